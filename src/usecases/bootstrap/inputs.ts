/**
 * Everything a bootstrap needs decided before its plan can be built: the cluster spec (from
 * flags and gitops.yaml, or from the fleet repo's cluster.yaml with --from-git), the resolved
 * profile merged into the spec, the AWS account, and the reconciler's manifests. All read-only: a
 * --dry-run or a refused confirmation leaves nothing behind (but the manifests download cache).
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { readFleetFile, readFleetFiles } from '../../integrations/git/remote.js';
import { redactUrl, withoutCredentials } from '../../integrations/git/url.js';
import { profileDigest, type ResolvedProfile, resolveProfile } from '../../integrations/profiles/catalog.js';
import { forComputeMode } from '../../integrations/profiles/auto-mode.js';
import { checkSharedDigest } from '../../integrations/profiles/fleet-change.js';
import { resolveIdentities } from '../../integrations/profiles/identities.js';
import {
  OLD_LAYOUT_MARKERS,
  PROFILES_ROOT,
  SHARED_RECORD,
  sharedFolder,
} from '../../integrations/profiles/layout.js';
import { builtinsFor, profileBuckets, resolveParameters } from '../../integrations/profiles/parameters.js';
import { effectiveClusterSpec } from '../../integrations/profiles/render.js';
import type { Reconciler, ReconcilerManifests } from '../../integrations/reconciler/reconciler.js';
import type { LocalInputs } from './preflight.js';
import { userError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import type { LoadedYaml } from '../../primitives/yaml.js';
import { parseClusterFile } from '../../spec/cluster-file.js';
import { buildClusterSpec, type SpecFlags } from '../../spec/from-flags.js';
import { type ClusterSpec, fleetPath, type RequestedSpec } from '../../spec/schema.js';
import { checkCiSpec } from '../../integrations/aws/ci-role.js';
import { checkAgainstAws } from '../../integrations/aws/preflight.js';
import { chooseKubernetesVersion } from '../../integrations/aws/versions.js';
import { clusterAddons } from '../../integrations/aws/provision.js';
import type { ClusterBucket } from '../../spec/bucket.js';
import type { WorkloadIdentity } from '../../spec/identity.js';

export interface SpecRequest {
  flags: SpecFlags;
  config?: LoadedYaml;
  /** --from-git: read clusters/<cluster>/cluster.yaml from this fleet repository. */
  fromGit?: { url: string; branch?: string; path?: string };
  envRegion?: string;
}

/** The spec the user asked for, before the profile is merged in. */
export async function requestedSpec(
  req: SpecRequest,
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<RequestedSpec> {
  if (req.fromGit === undefined)
    return buildClusterSpec({
      flags: req.flags,
      ...optional('file', req.config),
      ...optional('envRegion', req.envRegion),
    });
  const cluster = req.flags.cluster;
  if (cluster === undefined)
    throw userError('GITOPS_BAD_INPUT', '--from-git needs --cluster', {
      hint: 'name the cluster whose clusters/<name>/cluster.yaml to rebuild from',
    });
  if (req.flags.profile !== undefined || req.config !== undefined) {
    throw userError(
      'GITOPS_BAD_INPUT',
      '--from-git takes the profile and spec from the fleet repo; drop --profile and --config',
    );
  }
  const branch = req.fromGit.branch ?? 'main';
  const folder = req.fromGit.path ?? `clusters/${cluster}`;
  const file = `${folder}/cluster.yaml`;
  const text = await readFleetFile(req.fromGit.url, branch, file, {
    env: options.env,
    signal: options.signal,
  });
  const shown = `${redactUrl(req.fromGit.url)}#${branch}:${file}`;
  if (text === undefined) {
    throw userError(
      'GITOPS_NOT_FOUND',
      `no cluster "${cluster}" in the fleet repository: ${shown} does not exist`,
      {
        hint: 'was the cluster bootstrapped into this repository, and removed with destroy without --keep-git? check --cluster, --git-branch and --git-path',
      },
    );
  }
  // The folder must describe the cluster asked for: rebuilding another cluster's spec under
  // this name would create a second copy of it.
  const recorded = parseClusterFile(text, shown, cluster);
  // Flags may still move things the file cannot know (a new region after a regional outage).
  return buildClusterSpec({
    file: { data: recorded, source: shown, lineOf: () => undefined },
    flags: { ...req.flags, gitUrl: req.fromGit.url, gitBranch: branch },
  });
}

export interface BootstrapInputs {
  /** The spec with the profile's node groups, add-ons and ECR repositories merged in. */
  spec: ClusterSpec;
  /** As the user gave it, with the Kubernetes version chosen (what cluster.yaml records). */
  requested: ClusterSpec;
  profile: ResolvedProfile;
  /** The profile's and the spec's workload identities, placeholders filled in, documents checked. */
  identities: WorkloadIdentity[];
  /** The profile's S3 buckets with their names for this cluster. */
  buckets: ClusterBucket[];
  accountId: string;
  callerArn: string;
  manifests: ReconcilerManifests;
}

export interface PrepareOptions {
  aws: AwsClients;
  reconciler: Reconciler;
  env: NodeJS.ProcessEnv;
  /** --reconciler-manifests (read here when it is a URL and `local` has no manifests). */
  reconcilerManifests?: string;
  /** Local files named by flags, read before the first remote call (see preflight). */
  local?: LocalInputs;
  releaseBaseUrl?: string;
  /** Where the spec came from, for messages about its identities (default "cluster spec"). */
  specSource?: string;
  sink: EventSink;
  signal?: AbortSignal;
}

export async function prepareBootstrap(
  asked: RequestedSpec,
  options: PrepareOptions,
): Promise<BootstrapInputs> {
  const { env, signal } = options;
  // An existing cluster's version counts: the spec's is a floor (integrations/aws/versions.ts).
  const existing = await options.aws.eks.describeCluster(asked.name);
  const choice = await chooseKubernetesVersion(
    options.aws,
    asked.kubernetesVersion,
    existing?.version || undefined,
  );
  if (choice.extendedSupport)
    emit(options.sink, { type: 'warning', code: 'GITOPS_EXTENDED_SUPPORT', message: choice.extendedSupport });
  if (choice.kept) emit(options.sink, { type: 'info', code: 'GITOPS_VERSION_KEPT', message: choice.kept });
  const requested: ClusterSpec = { ...asked, kubernetesVersion: choice.version };
  // Independent reads, made at once: the profile (unless it was read locally before any remote
  // call; else a git clone), the AWS identity, and what the fleet repository holds already, then
  // the reconciler's manifests (checked against what the fleet repository recorded).
  const local = options.local ?? {};
  const [profile, identity, fleet] = await Promise.all([
    // What runs on the cluster depends on its compute mode (profiles/auto-mode.ts).
    (local.profile
      ? Promise.resolve(local.profile)
      : resolveProfile(requested.profile.source, { env, ...optional('signal', signal) })
    ).then((r) => forComputeMode(r, requested.compute)),
    options.aws.sts.getCallerIdentity(),
    fleetSnapshot(requested, env, signal),
  ]);
  const path = fleetPath(requested);
  checkFleet(fleet, requested, profile);
  const manifests =
    local.manifests ??
    (await options.reconciler.resolveManifests({
      version: requested.reconciler.version,
      sink: options.sink,
      env,
      recorded: async (file) => fleet.get(`${path}/${file}`),
      ...optional('source', options.reconcilerManifests),
      ...optional('releaseBaseUrl', options.releaseBaseUrl),
    }));
  const builtins = builtinsFor(requested.name, requested.region, identity.account);
  const params = resolveParameters(profile.profile, requested.profile.parameters, builtins);
  const spec = effectiveClusterSpec(requested, profile.profile, params);
  checkCiSpec(spec, options.specSource ?? 'cluster spec');
  // What AWS would refuse only after resources exist is refused now, before any change.
  await checkAgainstAws(options.aws, spec, options.sink);
  const identities = resolveIdentities({
    layers: profile.profiles,
    spec: requested.identities,
    specSource: options.specSource ?? 'cluster spec',
    params,
    addons: clusterAddons(spec).map((a) => a.name),
    compute: spec.compute,
  });
  return {
    spec,
    requested,
    profile,
    identities,
    buckets: profileBuckets(profile.profile, builtins),
    accountId: identity.account,
    callerArn: identity.arn,
    manifests,
  };
}

/**
 * What an earlier bootstrap left in the fleet repository that this one must respect, read with
 * one fetch: the cluster folder's markers of the earlier layout, its reconciler records, and the
 * records of the shared profile versions. Empty for an empty repository.
 */
async function fleetSnapshot(
  spec: RequestedSpec,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const path = fleetPath(spec);
  const record = new RegExp(`^${PROFILES_ROOT}/[^/]+/[^/]+/${SHARED_RECORD.replace('.', '\\.')}$`);
  const read = await readFleetFiles(
    spec.fleet.url,
    spec.fleet.branch,
    (paths) =>
      paths.filter(
        (p) =>
          record.test(p) ||
          (p.startsWith(`${path}/`) && !p.slice(path.length + 1).startsWith('profile/')) ||
          OLD_LAYOUT_MARKERS.some((m) => p === `${path}/${m}`),
      ),
    { env, ...optional('signal', signal) },
  );
  return read ?? new Map();
}

/** Refuses, before anything changes, what the fleet repository holds that this run must not touch. */
function checkFleet(fleet: ReadonlyMap<string, string>, spec: RequestedSpec, profile: ResolvedProfile): void {
  const path = fleetPath(spec);
  if (OLD_LAYOUT_MARKERS.some((m) => fleet.has(`${path}/${m}`))) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${path} is in the fleet layout of an earlier gitops (a full profile copy in ${path}/profile/); convert it first, keeping your edits: ${migrateCommand(spec)}`,
    );
  }
  for (const p of profile.profiles) {
    const folder = sharedFolder(p.name, p.profile.version);
    checkSharedDigest(
      { name: p.name, version: p.profile.version, folder, digest: `sha256:${profileDigest(p)}` },
      fleet.get(`${folder}/${SHARED_RECORD}`),
    );
  }
}

/** The command that converts a cluster folder of the earlier layout (named in the refusal). */
export function migrateCommand(spec: Pick<RequestedSpec, 'name' | 'region' | 'fleet'>): string {
  const parts = [`gitops migrate --cluster ${spec.name} --region ${spec.region}`];
  parts.push(`--git-url ${redactUrl(withoutCredentials(spec.fleet.url))}`);
  if (spec.fleet.branch !== 'main') parts.push(`--git-branch ${spec.fleet.branch}`);
  if (spec.fleet.path !== undefined) parts.push(`--git-path ${spec.fleet.path}`);
  return parts.join(' ');
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
