/**
 * Merges a profile with its includes. Layers come in include order (base first); a later layer
 * overrides an earlier one item by item, matched by name, so `ml` can resize a node group `base`
 * declares without repeating the rest. The first appearance fixes an item's position, which
 * keeps the output order stable.
 */
import type { Profile } from './model.js';

export function mergeByName<T extends { name: string }>(lists: readonly (readonly T[])[]): T[] {
  return mergeByKey(lists, (item) => item.name);
}

/** The same, matched by another key (identities are matched by their service account). */
export function mergeByKey<T>(lists: readonly (readonly T[])[], key: (item: T) => string): T[] {
  const merged = new Map<string, T>();
  for (const list of lists) for (const item of list) merged.set(key(item), item);
  return [...merged.values()];
}

/** `top` is the profile the user asked for; `layers` is the whole chain ending with it. */
export function mergeProfiles(layers: readonly Profile[]): Profile {
  const top = layers[layers.length - 1]!;
  return {
    ...top,
    components: mergeByName(layers.map((l) => l.components)),
    parameters: mergeByName(layers.map((l) => l.parameters)),
    nodeGroups: mergeByName(layers.map((l) => l.nodeGroups)),
    addons: mergeByName(layers.map((l) => l.addons)),
    ecrRepositories: mergeByName(layers.map((l) => l.ecrRepositories)),
    identities: mergeByKey(
      layers.map((l) => l.identities),
      (i) => i.serviceAccount,
    ),
    secrets: mergeByKey(
      layers.map((l) => l.secrets),
      (s) => `${s.namespace}/${s.name}`,
    ),
    ...(layers.some((l) => l.buckets !== undefined)
      ? { buckets: mergeByName(layers.map((l) => l.buckets ?? [])) }
      : {}),
  };
}
