/**
 * `gitops status --all`: every cluster gitops manages in the region (found by tag), each read as
 * `status` reads one, all at once (up to CLUSTERS_AT_ONCE), with the account-wide and region-wide
 * reads and the fleet branch heads shared.
 */
import { withSharedReads } from '../integrations/aws/shared-reads.js';
import { listManagedClusters } from '../integrations/aws/status.js';
import { toGitopsError } from '../primitives/errors.js';
import { mapLimit } from '../primitives/pool.js';
import type { Clients } from './clients.js';
import { clusterStatus, type StatusDocument } from './status.js';

export interface FleetStatusDocument {
  ready: boolean;
  region: string;
  clusters: StatusDocument[];
  /** The fleet's profile versions side by side: which clusters run each (`profile` unknown: none). */
  versions: { profile: string; version: string; clusters: string[] }[];
}

/**
 * Clusters read at once. Each one's reads are a chain of round trips, so a fleet of tens reads
 * fastest all at once (50 at once beat 8 or 16 at once in the fleet-status-all bench); past
 * this many, a large fleet waits its turn rather than open four API connections per cluster and
 * burst thousands of AWS calls into the account's rate limits together.
 */
const CLUSTERS_AT_ONCE = 64;

export async function allClustersStatus(
  clients: Clients,
  signal?: AbortSignal,
): Promise<FleetStatusDocument> {
  // One read of what every cluster's status asks the account alike (the clusters' describe too).
  const shared = { ...clients, aws: withSharedReads(clients.aws) };
  const clusters = await listManagedClusters(shared.aws);
  const heads = new Map<string, Promise<string | undefined>>();
  const docs = await mapLimit(clusters, CLUSTERS_AT_ONCE, (c) =>
    clusterStatus({ clients: shared, cluster: c.name, signal, heads, maxSockets: 4 }).catch(
      (e: unknown): StatusDocument => unknownStatus(clients, c.name, toGitopsError(e).message),
    ),
  );
  return {
    ready: docs.length > 0 && docs.every((d) => d.ready),
    region: clients.aws.region,
    clusters: docs,
    versions: versionsOf(docs),
  };
}

/** Clusters grouped by the profile version they run, by profile then version. */
function versionsOf(docs: readonly StatusDocument[]): FleetStatusDocument['versions'] {
  const groups = new Map<string, FleetStatusDocument['versions'][number]>();
  for (const d of docs) {
    if (d.profile === undefined) continue;
    const key = `${d.profile.name}@${d.profile.version}`;
    const group = groups.get(key) ?? { profile: d.profile.name, version: d.profile.version, clusters: [] };
    group.clusters.push(d.cluster.name);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.profile.localeCompare(b.profile) || a.version.localeCompare(b.version, undefined, { numeric: true }),
  );
}

function unknownStatus(clients: Clients, name: string, reason: string): StatusDocument {
  return {
    ready: false,
    known: false,
    cluster: { name, region: clients.aws.region, status: 'UNKNOWN', managed: true, nodeGroups: [] },
    compute: { mode: 'nodegroups', nodePools: [] },
    addons: [],
    identities: [],
    buckets: [],
    ci: null,
    reconciler: { kind: clients.reconciler.name, installed: false, ready: false, controllers: [] },
    sync: { inSync: false, failing: [] },
    layers: [],
    imageAutomation: [],
    ecrRepositories: [],
    simulated: [],
    problems: [reason],
  };
}
