/**
 * `gitops status`: is the cluster up (AWS), is the reconciler healthy, and has it applied what
 * Git holds now? One document, built from three independent reads: AWS, the cluster's API and
 * the fleet repo's head. `ready` is true only when all three agree.
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import { type ClusterStatus, describeClusterStatus } from '../integrations/aws/status.js';
import { remoteHead } from '../integrations/git/remote.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { type FluxHealth, readFluxHealth } from '../integrations/reconciler/flux/health.js';
import { FLUX_NAMESPACE } from '../integrations/reconciler/flux/sync.js';
import { kubeClientForCluster } from './connect.js';
import { toGitopsError } from '../primitives/errors.js';

export interface SyncStatus {
  url?: string;
  branch?: string;
  path?: string;
  headRevision?: string;
  appliedRevision?: string;
  inSync: boolean;
  /** Why objects are not Ready: "Kustomization flux-system/apps: BuildFailed: ...". */
  failing: string[];
}

export interface StatusDocument {
  ready: boolean;
  /** Whether the answer is known; false means the exit code is 1 (cannot tell). */
  known: boolean;
  cluster: {
    name: string;
    region: string;
    status: string;
    version?: string;
    endpoint?: string;
    managed: boolean;
    health?: string;
    nodeGroups: {
      name: string;
      status: string;
      desired: number;
      min: number;
      max: number;
      ready: boolean;
      health?: string;
    }[];
  };
  addons: { name: string; version: string; status: string; health?: string }[];
  reconciler: {
    installed: boolean;
    version?: string;
    ready: boolean;
    controllers: { name: string; ready: boolean; reason: string }[];
  };
  sync: SyncStatus;
  ecrRepositories: { name: string; uri: string; images: number; latestTag?: string }[];
  problems: string[];
}

export interface StatusRequest {
  aws: AwsClients;
  cluster: string;
  /** A client from --kubeconfig; otherwise one is made from the EKS endpoint and a token. */
  kube?: KubeClient;
  signal?: AbortSignal;
}

export async function clusterStatus(req: StatusRequest): Promise<StatusDocument> {
  const aws = await describeClusterStatus(req.aws, req.cluster);
  const problems: string[] = [];
  const doc: StatusDocument = {
    ready: false,
    known: true,
    cluster: clusterPart(aws),
    addons: aws.addons.map((a) => ({
      name: a.name,
      version: a.version,
      status: a.status,
      ...(a.health ? { health: a.health } : {}),
    })),
    reconciler: { installed: false, ready: false, controllers: [] },
    sync: { inSync: false, failing: [] },
    ecrRepositories: aws.ecrRepositories.map((r) => ({
      name: r.name,
      uri: r.uri,
      images: r.imageCount,
      ...(r.latestTag ? { latestTag: r.latestTag } : {}),
    })),
    problems,
  };
  if (!aws.found) {
    problems.push(`cluster ${req.cluster} does not exist in ${aws.region}`);
    return doc;
  }
  if (aws.status !== 'ACTIVE')
    problems.push(`cluster is ${aws.status}${aws.health ? `: ${aws.health}` : ''}`);
  for (const ng of doc.cluster.nodeGroups)
    if (!ng.ready) problems.push(`node group ${ng.name} is ${ng.status}${ng.health ? `: ${ng.health}` : ''}`);
  for (const a of doc.addons)
    if (a.status !== 'ACTIVE')
      problems.push(`add-on ${a.name} is ${a.status}${a.health ? `: ${a.health}` : ''}`);

  let client = req.kube;
  let opened = false;
  if (!client && aws.status === 'ACTIVE' && aws.endpoint) {
    client = kubeClientForCluster(req.aws, {
      name: req.cluster,
      endpoint: aws.endpoint,
      certificateAuthority: aws.certificateAuthority ?? '',
    });
    opened = true;
  }
  try {
    if (client) {
      let flux: FluxHealth;
      try {
        flux = await readFluxHealth(client);
      } catch (e) {
        // Reachable AWS but an unreachable or forbidding API server: we cannot tell.
        doc.known = false;
        problems.push(`cannot read the cluster's API: ${toGitopsError(e).message}`);
        return doc;
      }
      doc.reconciler = {
        installed: flux.installed,
        ...(flux.version ? { version: flux.version } : {}),
        ready: flux.controllers.length > 0 && flux.controllers.every((c) => c.ready),
        controllers: flux.controllers.map((c) => ({ name: c.name, ready: c.ready, reason: c.reason })),
      };
      if (!flux.installed) problems.push('Flux is not installed');
      for (const c of flux.controllers) if (!c.ready) problems.push(`Flux ${c.name}: ${c.reason}`);
      doc.sync = await syncPart(flux, req.signal);
      if (!doc.sync.inSync) {
        problems.push(
          doc.sync.headRevision && doc.sync.appliedRevision
            ? `out of sync: Git is at ${doc.sync.headRevision.slice(0, 12)}, the cluster at ${doc.sync.appliedRevision.slice(0, 12)}`
            : 'not in sync with Git yet',
        );
      }
      problems.push(...doc.sync.failing);
    }
  } finally {
    if (opened) client?.close();
  }
  doc.ready = problems.length === 0;
  return doc;
}

function clusterPart(aws: ClusterStatus): StatusDocument['cluster'] {
  return {
    name: aws.name,
    region: aws.region,
    status: aws.found ? (aws.status ?? 'UNKNOWN') : 'NOT_FOUND',
    ...(aws.version ? { version: aws.version } : {}),
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    managed: aws.managed,
    ...(aws.health ? { health: aws.health } : {}),
    nodeGroups: aws.nodeGroups.map((n) => ({
      name: n.name,
      status: n.status,
      desired: n.desiredSize,
      min: n.minSize,
      max: n.maxSize,
      ready: n.status === 'ACTIVE',
      ...(n.health ? { health: n.health } : {}),
    })),
  };
}

async function syncPart(flux: FluxHealth, signal?: AbortSignal): Promise<SyncStatus> {
  const source =
    flux.sources.find((s) => s.name === FLUX_NAMESPACE && s.namespace === FLUX_NAMESPACE) ?? flux.sources[0];
  const root =
    flux.kustomizations.find((k) => k.name === FLUX_NAMESPACE && k.namespace === FLUX_NAMESPACE) ??
    flux.kustomizations[0];
  const failing = [...flux.sources, ...flux.kustomizations, ...flux.helmReleases]
    .filter((o) => !o.ready && !o.suspended)
    .map((o) => `${o.kind} ${o.namespace}/${o.name}: ${o.reason}`);
  const sync: SyncStatus = { inSync: false, failing };
  if (source?.url) sync.url = source.url;
  if (source?.branch) sync.branch = source.branch;
  if (root?.path) sync.path = root.path;
  const applied = shaOf(root?.lastAppliedRevision);
  if (applied) sync.appliedRevision = applied;
  if (source?.url && source.branch) {
    const head = await remoteHead(source.url, source.branch, { signal }).catch(() => undefined);
    if (head) sync.headRevision = head;
    else sync.failing.push(`cannot read ${source.branch} of ${source.url}`);
  }
  sync.inSync = !!sync.headRevision && sync.headRevision === sync.appliedRevision && root?.ready === true;
  return sync;
}

/** Flux writes revisions as `main@sha1:<sha>` (v2) or `main/<sha>` (older). */
export function shaOf(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const m = /([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision);
  return m?.[1];
}
