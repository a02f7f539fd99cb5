/**
 * Everything a bootstrap needs decided before its plan can be built: the cluster spec (from
 * flags and gitops.yaml, or from the fleet repo's cluster.yaml with --from-git), the resolved
 * profile merged into the spec, the AWS account, and the Flux manifests. All read-only: a
 * --dry-run or a refused confirmation leaves nothing behind (but the Flux download cache).
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { readFleetFile } from '../../integrations/git/remote.js';
import { type ResolvedProfile, resolveProfile } from '../../integrations/profiles/catalog.js';
import { builtinsFor, resolveParameters } from '../../integrations/profiles/parameters.js';
import { effectiveClusterSpec } from '../../integrations/profiles/render.js';
import { FLUX_FILES, recordedChecksum } from '../../integrations/reconciler/flux/fleet-files.js';
import { type FluxManifests, resolveFluxManifests } from '../../integrations/reconciler/flux/manifests.js';
import { buildClusterSpec, type SpecFlags } from '../../spec/from-flags.js';
import { userError } from '../../primitives/errors.js';
import type { EventSink } from '../../primitives/events.js';
import { type ClusterSpec, fleetPath } from '../../spec/schema.js';
import { parseYamlText, type LoadedYaml } from '../../primitives/yaml.js';

export interface SpecRequest {
  flags: SpecFlags;
  config?: LoadedYaml;
  /** --from-git: read clusters/<cluster>/cluster.yaml from this fleet repository. */
  fromGit?: { url: string; branch?: string; path?: string };
  envRegion?: string;
}

/** The spec the user asked for, before the profile is merged in. */
export async function requestedSpec(req: SpecRequest, signal?: AbortSignal): Promise<ClusterSpec> {
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
  const text = await readFleetFile(req.fromGit.url, branch, file, { signal });
  if (text === undefined) {
    throw userError('GITOPS_NOT_FOUND', `${file} is not in the fleet repository (branch ${branch})`, {
      hint: 'was the cluster bootstrapped into this repository, and removed with destroy without --keep-git?',
    });
  }
  const loaded = parseYamlText(text, file);
  // Flags may still move things the file cannot know (a new region after a regional outage).
  return buildClusterSpec({
    file: loaded,
    flags: { ...req.flags, gitUrl: req.fromGit.url, gitBranch: branch },
  });
}

export interface BootstrapInputs {
  /** The spec with the profile's node groups, add-ons and ECR repositories merged in. */
  spec: ClusterSpec;
  /** As the user gave it (what cluster.yaml records). */
  requested: ClusterSpec;
  profile: ResolvedProfile;
  accountId: string;
  callerArn: string;
  flux: FluxManifests;
}

export interface PrepareOptions {
  aws: AwsClients;
  reconcilerManifests?: string;
  fluxReleaseBaseUrl?: string;
  sink: EventSink;
  signal?: AbortSignal;
}

export async function prepareBootstrap(
  requested: ClusterSpec,
  options: PrepareOptions,
): Promise<BootstrapInputs> {
  const [profile, identity, recorded] = await Promise.all([
    resolveProfile(requested.profile.source, optional('signal', options.signal)),
    options.aws.sts.getCallerIdentity(),
    recordedFluxChecksum(requested, options.signal),
  ]);
  const params = resolveParameters(
    profile.profile,
    requested.profile.parameters,
    builtinsFor(requested.name, requested.region, identity.account),
  );
  const spec = effectiveClusterSpec(requested, profile.profile, params);
  const version = requested.reconciler.version;
  const flux = await resolveFluxManifests({
    version,
    ...optional('source', options.reconcilerManifests),
    ...optional('releaseBaseUrl', options.fluxReleaseBaseUrl),
    ...(recorded && recorded.version === version ? { recordedSha256: recorded.sha256 } : {}),
    sink: options.sink,
  });
  return { spec, requested, profile, accountId: identity.account, callerArn: identity.arn, flux };
}

/** The Flux checksum an earlier bootstrap recorded in the fleet repo, if the repo has one. */
async function recordedFluxChecksum(spec: ClusterSpec, signal?: AbortSignal) {
  const file = `${fleetPath(spec)}/${FLUX_FILES.components}`;
  const text = await readFleetFile(spec.fleet.url, spec.fleet.branch, file, optional('signal', signal)).catch(
    (e: unknown) => {
      // An empty repository (no branch yet) has recorded nothing.
      if (e instanceof Error && /has no branch/.test(e.message)) return undefined;
      throw e;
    },
  );
  return text === undefined ? undefined : recordedChecksum(text);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
