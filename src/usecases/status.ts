/**
 * `gitops status`: is the cluster up (AWS), is the reconciler healthy, and has it applied what
 * Git holds now? One document, built from three independent reads: AWS, the cluster's API and
 * the fleet repo's head. `ready` is true only when all three agree. Every read stops at the
 * request's signal (--timeout), which then fails the whole answer as a timeout.
 */
import { type ClusterStatus, describeClusterStatus } from '../integrations/aws/status.js';
import { openToInternet } from '../integrations/aws/endpoint.js';
import { BUCKETS_TAG } from '../integrations/aws/bucket-record.js';
import { bucketsStatus } from '../integrations/aws/bucket-status.js';
import { ciStatus } from '../integrations/aws/ci-status.js';
import { identitiesStatus } from '../integrations/aws/identity-status.js';
import { remoteHead } from '../integrations/git/remote.js';
import type { KubeClient } from '../integrations/kube/client.js';
import type { ImageAutomationHealth, ReconcilerHealth } from '../integrations/reconciler/reconciler.js';
import { toGitopsError } from '../primitives/errors.js';
import { abortError } from '../primitives/wait.js';
import type { Clients } from './clients.js';
import { type ComputeStatus, computeFromAws, readNodePools } from './compute-status.js';
import { connect } from './connect.js';
import { addDeployedTags } from './deployed.js';

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
    /** Who may reach the API: `openToInternet` when the public endpoint takes 0.0.0.0/0. */
    endpointAccess?: {
      public: boolean;
      private: boolean;
      publicCidrs: string[];
      openToInternet: boolean;
    };
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
  /** How the cluster gets its nodes; with Auto Mode its node pools and their readiness. */
  compute: ComputeStatus;
  addons: { name: string; version: string; status: string; health?: string }[];
  /** Each workload identity: service account -> role, and whether AWS holds what was declared. */
  identities: {
    serviceAccount: string;
    addon?: string;
    role?: string;
    association: boolean;
    policiesInSync: boolean;
  }[];
  /** The cluster's S3 buckets (found by tag) and whether each is still encrypted, private, versioned. */
  buckets: {
    name: string;
    logical?: string;
    encrypted: boolean;
    publicAccessBlocked: boolean;
    versioned: boolean;
  }[];
  /** The CI role GitHub Actions assume to push images; null when the cluster has no CI. */
  ci: {
    provider?: string;
    role?: string;
    subjects: string[];
    pushTo: string[];
    inSync: boolean;
  } | null;
  reconciler: {
    kind: string;
    installed: boolean;
    version?: string;
    /** What the installed components are when they say they are not a release (the sandbox's). */
    notARelease?: string;
    ready: boolean;
    controllers: { name: string; ready: boolean; reason: string }[];
  };
  sync: SyncStatus;
  /** The profile version the cluster runs, as its applied values say; absent when unknown. */
  profile?: { name: string; version: string };
  /** Each layer's sync, in apply order: ready, and the fleet revision it applied. */
  layers: { name: string; ready: boolean; reason: string; appliedRevision?: string }[];
  /** Where the reconciler's alerts go: the provider type, never the address; absent: no alerts. */
  alerts?: {
    provider: string;
    ready: boolean;
    reason: string;
    /** Flagger's canary alerts: sent to the same place through which notifier, or why not. */
    flagger?: { sent: boolean; note: string };
  };
  /** Image automation's objects, each with its own readiness; one failing is a problem. */
  imageAutomation: ImageAutomationHealth[];
  /**
   * Each ECR repository: its newest image's tag, and the tag the workloads the sync applied run
   * (`deployedTag` when they agree; `deployed` lists each workload).
   */
  ecrRepositories: {
    name: string;
    uri: string;
    images: number;
    latestTag?: string;
    deployedTag?: string;
    deployed: { workload: string; tag: string }[];
  }[];
  /** What a test environment stood in for (the local sandbox); empty on a real cluster. */
  simulated: { kind: string; namespace: string; name: string; note: string }[];
  problems: string[];
}

export interface StatusRequest {
  clients: Clients;
  cluster: string;
  /** --kubeconfig: reach the API through this file instead of an EKS token. */
  kubeconfig?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The branch heads read so far, by URL and branch: `status --all` reads each fleet branch once,
   * not once per cluster (a fleet's clusters mostly sync from one branch).
   */
  heads?: Map<string, Promise<string | undefined>>;
  /**
   * Connections to the cluster's API at once. `status --all` uses few per cluster: each new one
   * is a TLS handshake, and across many clusters those cost; one alone serializes every read.
   */
  maxSockets?: number;
}

export async function clusterStatus(req: StatusRequest): Promise<StatusDocument> {
  try {
    return await readStatus(req);
  } catch (e) {
    // An SDK call or a git command cut short by the deadline fails with its own abort error;
    // the answer is the deadline's.
    if (req.signal?.aborted) throw abortError(req.signal);
    throw e;
  }
}

async function readStatus(req: StatusRequest): Promise<StatusDocument> {
  const { aws } = req.clients;
  // A --kubeconfig is local input: read (and refuse, when broken) before anything remote.
  const fromFile =
    req.kubeconfig === undefined
      ? undefined
      : await connect(aws, req.cluster, { ...req, env: req.clients.env, groupsAtOnce: true });
  try {
    return await statusWith(req, fromFile?.client);
  } finally {
    fromFile?.client?.close();
  }
}

async function statusWith(req: StatusRequest, fromFile: KubeClient | undefined): Promise<StatusDocument> {
  const { aws, reconciler, env } = req.clients;
  const state = await describeClusterStatus(aws, req.cluster);
  const problems: string[] = [];
  const doc: StatusDocument = {
    ready: false,
    known: true,
    cluster: clusterPart(state),
    compute: computeFromAws(state),
    addons: state.addons.map((a) => ({
      name: a.name,
      version: a.version,
      status: a.status,
      ...(a.health ? { health: a.health } : {}),
    })),
    identities: [],
    buckets: [],
    ci: null,
    reconciler: { kind: reconciler.name, installed: false, ready: false, controllers: [] },
    sync: { inSync: false, failing: [] },
    layers: [],
    imageAutomation: [],
    ecrRepositories: state.ecrRepositories.map((r) => ({
      name: r.name,
      uri: r.uri,
      images: r.imageCount,
      ...(r.latestTag ? { latestTag: r.latestTag } : {}),
      deployed: [],
    })),
    simulated: [],
    problems,
  };
  if (!state.found) {
    problems.push(`cluster ${req.cluster} does not exist in ${state.region}`);
    return doc;
  }
  if (state.status !== 'ACTIVE')
    problems.push(`cluster is ${state.status}${state.health ? `: ${state.health}` : ''}`);
  for (const ng of doc.cluster.nodeGroups)
    if (!ng.ready) problems.push(`node group ${ng.name} is ${ng.status}${ng.health ? `: ${ng.health}` : ''}`);
  for (const a of doc.addons)
    if (a.status !== 'ACTIVE')
      problems.push(`add-on ${a.name} is ${a.status}${a.health ? `: ${a.health}` : ''}`);
  const identities = await identitiesStatus(aws, req.cluster, state.tags ?? {});
  doc.identities = identities.identities.map((i) => ({
    serviceAccount: i.serviceAccount,
    ...(i.addon ? { addon: i.addon } : {}),
    ...(i.roleArn ? { role: i.roleArn } : {}),
    association: i.association,
    policiesInSync: i.policiesInSync,
  }));
  problems.push(...identities.identities.flatMap((i) => i.problems), ...identities.problems);
  const buckets = await bucketsStatus(aws, req.cluster, state.tags?.[BUCKETS_TAG]);
  doc.buckets = buckets.buckets.map(({ problems: _, ...b }) => b);
  problems.push(...buckets.buckets.flatMap((b) => b.problems), ...buckets.problems);
  const ci = await ciStatus(aws, req.cluster, state.tags ?? {});
  if (ci) {
    const { problems: ciProblems, ...view } = ci;
    doc.ci = view;
    problems.push(...ciProblems);
  }

  const client =
    fromFile ??
    (
      await connect(aws, req.cluster, {
        env: req.clients.env,
        signal: req.signal,
        described: state,
        // Status only reads, in one short run: every API group from one discovery read.
        groupsAtOnce: true,
        ...(req.maxSockets ? { maxSockets: req.maxSockets } : {}),
      })
    ).client;
  if (!client) {
    doc.ready = problems.length === 0;
    return doc;
  }
  try {
    let health: ReconcilerHealth;
    try {
      health = await reconciler.health(client, req.signal);
    } catch (e) {
      if (req.signal?.aborted) throw e;
      // Reachable AWS but an unreachable or forbidding API server: we cannot tell.
      doc.known = false;
      problems.push(`cannot read the cluster's API: ${toGitopsError(e).message}`);
      return doc;
    }
    doc.reconciler = {
      kind: reconciler.name,
      installed: health.installed,
      ...(health.version ? { version: health.version } : {}),
      ...(health.notARelease ? { notARelease: health.notARelease } : {}),
      ready: health.controllers.length > 0 && health.controllers.every((c) => c.ready),
      controllers: health.controllers,
    };
    if (!health.installed) problems.push(`${reconciler.name} is not installed`);
    for (const c of health.controllers)
      if (!c.ready) problems.push(`${reconciler.name} ${c.name}: ${c.reason}`);
    doc.layers = health.layers.map((l) => ({
      name: l.name,
      ready: l.ready,
      reason: l.reason,
      ...(l.appliedRevision ? { appliedRevision: l.appliedRevision } : {}),
    }));
    if (health.profile) doc.profile = health.profile;
    const alerts = health.alerts;
    if (alerts) doc.alerts = { ...alerts };
    if (alerts && !alerts.ready) problems.push(`alerts (${alerts.provider}): ${alerts.reason}`);
    doc.imageAutomation = health.imageAutomation;
    for (const o of health.imageAutomation)
      if (!o.ready && !o.suspended) problems.push(`${o.kind} ${o.namespace}/${o.name}: ${o.reason}`);
    doc.simulated = health.simulated;
    if (doc.compute.mode === 'auto') {
      const pools = await readNodePools(client, state, req.signal);
      doc.compute.nodePools = pools.nodePools;
      problems.push(...pools.problems);
      doc.simulated = [...doc.simulated, ...pools.simulated];
    }
    doc.sync = await syncPart(health, env, req.signal, req.heads);
    await addDeployedTags(doc.ecrRepositories, client, reconciler, req.signal);
    if (!doc.sync.inSync) {
      problems.push(
        doc.sync.headRevision && doc.sync.appliedRevision
          ? `out of sync: Git is at ${doc.sync.headRevision.slice(0, 12)}, the cluster at ${doc.sync.appliedRevision.slice(0, 12)}`
          : 'not in sync with Git yet',
      );
    }
    problems.push(...doc.sync.failing);
  } finally {
    if (client !== fromFile) client.close();
  }
  doc.ready = problems.length === 0;
  return doc;
}

export function clusterPart(state: ClusterStatus): StatusDocument['cluster'] {
  return {
    name: state.name,
    region: state.region,
    status: state.found ? (state.status ?? 'UNKNOWN') : 'NOT_FOUND',
    ...(state.version ? { version: state.version } : {}),
    ...(state.endpoint ? { endpoint: state.endpoint } : {}),
    ...(state.endpointAccess
      ? {
          endpointAccess: {
            public: state.endpointAccess.publicAccess,
            private: state.endpointAccess.privateAccess,
            publicCidrs: state.endpointAccess.publicAccess ? state.endpointAccess.publicCidrs : [],
            openToInternet: openToInternet(state.endpointAccess),
          },
        }
      : {}),
    managed: state.managed,
    ...(state.health ? { health: state.health } : {}),
    nodeGroups: state.nodeGroups.map((n) => ({
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

async function syncPart(
  health: ReconcilerHealth,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  heads = new Map<string, Promise<string | undefined>>(),
): Promise<SyncStatus> {
  const failing = health.objects
    .filter((o) => !o.ready && !o.suspended)
    .map((o) => `${o.kind} ${o.namespace}/${o.name}: ${o.reason}`);
  const sync: SyncStatus = { inSync: false, failing };
  const { url, branch, path } = health.location ?? {};
  if (url) sync.url = url;
  if (branch) sync.branch = branch;
  if (path) sync.path = path;
  if (health.appliedRevision) sync.appliedRevision = health.appliedRevision;
  if (url && branch) {
    // A fleet repository that cannot be read is a problem to report, not a reason to give up
    // on the rest of the answer; a deadline that passes is.
    const key = `${url}\0${branch}`;
    if (!heads.has(key)) heads.set(key, remoteHead(url, branch, { env, signal }));
    const head = await heads.get(key)!.catch((e: unknown) => {
      if (signal?.aborted) throw e;
      sync.failing.push(`cannot read ${branch} of ${url}: ${toGitopsError(e).message}`);
      return undefined;
    });
    if (head) sync.headRevision = head;
  }
  // In sync: the root sync and every layer applied the head, and all are ready.
  sync.inSync =
    !!sync.headRevision &&
    sync.headRevision === sync.appliedRevision &&
    health.layers.every((l) => l.suspended || l.appliedRevision === sync.headRevision) &&
    health.syncReady;
  return sync;
}
