/**
 * Ownership by tags. Everything gitops creates carries `gitops.dev/cluster=<name>` and
 * `gitops.dev/managed-by=gitops`; steps find their resources by these tags (or by name) and
 * refuse to modify or delete anything that has our name but not our tags.
 */
import { userError } from '../../primitives/errors.js';
import type { Tags } from './ports.js';

export const CLUSTER_TAG = 'gitops.dev/cluster';
export const MANAGED_BY_TAG = 'gitops.dev/managed-by';
export const MANAGED_BY = 'gitops';

/** Our two tags: the filter every discovery uses. */
export function ownershipTags(cluster: string): Tags {
  return { [CLUSTER_TAG]: cluster, [MANAGED_BY_TAG]: MANAGED_BY };
}

/** User tags from the spec, then ours (ours win, so a spec cannot disown a resource). */
export function resourceTags(cluster: string, userTags: Tags = {}, extra: Tags = {}): Tags {
  const tags: Tags = {};
  for (const [k, v] of Object.entries(userTags)) if (!k.startsWith('aws:')) tags[k] = v;
  return { ...tags, ...extra, ...ownershipTags(cluster) };
}

export function isOwned(tags: Tags, cluster: string): boolean {
  return tags[CLUSTER_TAG] === cluster && tags[MANAGED_BY_TAG] === MANAGED_BY;
}

/** Throws a user error when a resource with our name is not ours; the message says whose it is. */
export function assertOwned(kind: string, name: string, tags: Tags, cluster: string): void {
  if (isOwned(tags, cluster)) return;
  const owner = tags[CLUSTER_TAG];
  const whose =
    owner !== undefined && tags[MANAGED_BY_TAG] === MANAGED_BY
      ? `it belongs to gitops cluster "${owner}"`
      : `it lacks the tags ${CLUSTER_TAG}=${cluster} and ${MANAGED_BY_TAG}=${MANAGED_BY}`;
  throw userError(
    'GITOPS_CONFLICT',
    `${kind} ${name} already exists and is not managed by gitops for this cluster: ${whose}`,
    {
      hint: 'gitops never modifies or deletes resources it did not create; choose another cluster name or remove that resource yourself',
    },
  );
}

/** Tags the spec asks for that the resource lacks or has with another value. */
export function missingTags(want: Tags, have: Tags): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) out[k] = v;
  return out;
}
