/**
 * One cluster's move to another version of its profile, through Git alone (`gitops upgrade`),
 * read from a tree of the fleet repository:
 *   - where the cluster is now: the profile version its values record, and the shared copies its
 *     layer overlays point at;
 *   - what the version it leaves needed from AWS: each shared copy's record (aws-needs.ts), or,
 *     for a copy recorded by an earlier gitops, the profile read again from the source cluster.yaml
 *     names, when it still gives that version with the recorded digest;
 *   - whether the target needs the same; if not, the move is refused (bootstrap changes AWS);
 *   - the change: the target version's shared copies, the overlays' profile entries, cluster.yaml
 *     (the profile it now comes from) and the values (the version status reads back). The layer
 *     syncs keep pointing at the overlays, which Flux rebuilds from the new version.
 */
import { isGitopsError, userError } from '../../primitives/errors.js';
import { parseYamlText } from '../../primitives/yaml.js';
import { parseClusterFile } from '../../spec/cluster-file.js';
import type { RequestedSpec } from '../../spec/schema.js';
import type { FleetTree } from '../git/edit.js';
import type { ApiKind } from '../kube/api-kinds.js';
import { isRecord } from '../kube/object.js';
import { AWS_NEED_NAMES, type AwsNeeds, awsNeedsOf, changedNeeds, recordedNeeds } from './aws-needs.js';
import { profileDigest, type ResolvedProfile, resolveProfile } from './catalog.js';
import { LAYERS } from './layers.js';
import {
  CLUSTER_SPEC_FILE,
  overlayFile,
  PROFILES_ROOT,
  resolveFromOverlay,
  SHARED_RECORD,
  sharedFolder,
} from './layout.js';
import { type RenderedCluster, renderCluster } from './render.js';

/** A tree to read from: a checkout of the branch tip, or files fetched from it. */
export type FleetReader = Pick<FleetTree, 'read'>;

export interface ProfileVersionRef {
  name: string;
  version: string;
}

export interface ClusterPosition {
  /** The cluster folder (`clusters/research`). */
  path: string;
  spec: RequestedSpec;
  /** The profile version the cluster's values record. */
  profile: ProfileVersionRef;
  /** The account id its values hold (for rendering `${accountId}` and `${ecrRegistry}`). */
  accountId: string;
  /** The shared copies its overlays point at. */
  shared: ProfileVersionRef[];
}

/** Reads where a cluster folder stands; one line naming the file when it cannot. */
export async function clusterPosition(
  tree: FleetReader,
  path: string,
  cluster: string,
): Promise<ClusterPosition> {
  const specFile = `${path}/${CLUSTER_SPEC_FILE}`;
  const specText = await tree.read(specFile);
  if (specText === undefined)
    throw userError('GITOPS_NOT_FOUND', `${specFile} is not in the fleet repository`);
  const spec = parseClusterFile(specText, specFile, cluster);
  const valuesFile = `${path}/values.yaml`;
  const values = parseOr(await tree.read(valuesFile));
  const metadata = isRecord(values) && isRecord(values['metadata']) ? values['metadata'] : {};
  const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
  const data = isRecord(values) && isRecord(values['data']) ? values['data'] : {};
  const name = annotations['gitops.dev/profile'];
  const version = annotations['gitops.dev/profile-version'];
  const accountId = data['accountId'];
  if (typeof name !== 'string' || typeof version !== 'string' || typeof accountId !== 'string') {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${valuesFile} does not say which profile version cluster ${cluster} runs and in which account`,
      { hint: `run gitops bootstrap --from-git <fleet-url> --cluster ${cluster} to write it again` },
    );
  }
  const shared: ProfileVersionRef[] = [];
  for (const layer of LAYERS) {
    const overlay = parseOr(await tree.read(`${path}/${overlayFile(layer)}`));
    const resources = isRecord(overlay) && Array.isArray(overlay['resources']) ? overlay['resources'] : [];
    for (const entry of resources) {
      if (typeof entry !== 'string') continue;
      const target = resolveFromOverlay(path, layer, entry)?.split('/');
      if (target?.length !== 4 || target[0] !== PROFILES_ROOT) continue;
      const ref = { name: target[1]!, version: target[2]! };
      if (!shared.some((s) => s.name === ref.name && s.version === ref.version)) shared.push(ref);
    }
  }
  return { path, spec, profile: { name, version }, accountId, shared };
}

/**
 * What each profile of the chain a cluster runs needed from AWS (profile name -> needs). Undefined
 * entries could not be told; the caller refuses then.
 */
export async function neededBefore(
  tree: FleetReader,
  position: ClusterPosition,
  opts: { env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<{ needs: Map<string, AwsNeeds>; unknown: ProfileVersionRef[] }> {
  const needs = new Map<string, AwsNeeds>();
  const digests = new Map<string, string>();
  const versions = [...position.shared];
  if (!versions.some((v) => v.name === position.profile.name)) versions.push(position.profile);
  let unknown: ProfileVersionRef[] = [];
  for (const v of versions) {
    const record = parseOr(await tree.read(`${sharedFolder(v.name, v.version)}/${SHARED_RECORD}`));
    const recorded = isRecord(record) ? recordedNeeds(record['awsNeeds']) : undefined;
    if (recorded) needs.set(v.name, recorded);
    else {
      unknown.push(v);
      if (isRecord(record) && typeof record['digest'] === 'string') digests.set(v.name, record['digest']);
    }
  }
  if (unknown.length === 0) return { needs, unknown };
  // Records of an earlier gitops hold no needs: read the profile again where it came from, and
  // take a profile of its chain only when it is exactly the version that was written.
  const source = position.spec.profile.source;
  const profile = await resolveProfile(source, {
    env: opts.env,
    ...(opts.signal ? { signal: opts.signal } : {}),
  }).catch((e: unknown) => {
    if (isGitopsError(e)) return undefined;
    throw e;
  });
  for (const p of profile?.profiles ?? []) {
    const v = unknown.find((u) => u.name === p.name && u.version === p.profile.version);
    if (v && digests.get(v.name) === `sha256:${profileDigest(p)}`) needs.set(v.name, awsNeedsOf(p));
  }
  unknown = unknown.filter((u) => !needs.has(u.name));
  return { needs, unknown };
}

/** The needs of a resolved profile's chain, profile name -> needs. */
export function neededBy(profile: ResolvedProfile): Map<string, AwsNeeds> {
  return new Map(profile.profiles.map((p) => [p.name, awsNeedsOf(p)]));
}

/**
 * Refuses a move that changes what the cluster needs from AWS, or whose starting point's needs
 * cannot be told: bootstrap, not Git alone, must make those changes.
 */
export function checkAwsNeeds(
  cluster: string,
  from: ProfileVersionRef,
  to: ResolvedProfile,
  before: { needs: Map<string, AwsNeeds>; unknown: ProfileVersionRef[] },
): void {
  const target = `${to.profile.name}@${to.profile.version}`;
  const hint = `run gitops bootstrap --cluster ${cluster} --profile ${to.source.ref} (it changes AWS and moves the cluster)`;
  if (before.unknown.length > 0) {
    throw userError(
      'GITOPS_NEEDS_BOOTSTRAP',
      `cannot tell what ${before.unknown.map((u) => `${u.name} ${u.version}`).join(', ')} needed from AWS (recorded by an earlier gitops, and its profile cannot be read at that version), so cluster ${cluster} is not moved to ${target} through Git alone`,
      { hint },
    );
  }
  const changed = changedNeeds(before.needs, neededBy(to));
  if (changed.length > 0) {
    throw userError(
      'GITOPS_NEEDS_BOOTSTRAP',
      `${from.name}@${from.version} -> ${target} changes what cluster ${cluster} needs from AWS (${changed.map((k) => AWS_NEED_NAMES[k]).join(', ')}): upgrade moves clusters through Git only`,
      { hint },
    );
  }
}

/** The cluster rendered on the target version, from what its folder records. */
export function renderUpgraded(
  position: ClusterPosition,
  to: ResolvedProfile,
  reconciler: { name: string; kinds: readonly ApiKind[] },
): RenderedCluster {
  const { spec } = position;
  if (spec.kubernetesVersion === undefined) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${position.path}/${CLUSTER_SPEC_FILE} records no kubernetesVersion`,
      { hint: `run gitops bootstrap --from-git <fleet-url> --cluster ${spec.name} to write it again` },
    );
  }
  return renderCluster({
    spec: {
      ...spec,
      kubernetesVersion: spec.kubernetesVersion,
      profile: { ...spec.profile, source: to.source.ref },
    },
    profile: to,
    accountId: position.accountId,
    reconciler,
  });
}

/** A fleet file's data, or undefined when it is missing or the YAML reader refuses it. */
function parseOr(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return parseYamlText(text, 'fleet repository file').data;
  } catch {
    return undefined;
  }
}
