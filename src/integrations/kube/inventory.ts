/**
 * Inventory: which objects of given kinds carry a label (what a tool manages), which of those a
 * desired set no longer has (what `diff` calls orphaned and a prune would delete), and deleting
 * a list of objects in reverse apply order (custom objects before their CRDs, namespaces last).
 */
import type { KubeClient } from './client.js';
import { type KubeObject, type ObjectRef, refKey, refOf } from './object.js';
import { mapLimit } from '../../primitives/pool.js';

export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** Objects of these kinds matching a label selector; kinds the cluster does not serve are skipped. */
export async function listLabelled(
  client: KubeClient,
  kinds: readonly KindRef[],
  labelSelector: string,
  options: { namespace?: string } = {},
): Promise<ObjectRef[]> {
  const lists = await mapLimit(kinds, 8, async (k) => {
    const info = await client.discovery.find(k.apiVersion, k.kind);
    if (!info) return [];
    const items = await client.listResource(info, {
      labelSelector,
      metadataOnly: true,
      ...(options.namespace && info.namespaced ? { namespace: options.namespace } : {}),
    });
    return items.map(refOf);
  });
  return lists.flat();
}

/** Live objects that the desired set does not contain (matched by group, kind, namespace, name). */
export function orphans(live: readonly ObjectRef[], desired: readonly KubeObject[]): ObjectRef[] {
  const wanted = new Set(desired.map((o) => refKey(refOf(o))));
  return live.filter((r) => !wanted.has(refKey(r)));
}

export type DeleteResult = { ref: ObjectRef; deleted: boolean };

/**
 * Deletes in three waves: ordinary objects, then CRDs, then Namespaces, so that nothing is left
 * without the definition or the namespace it lives in while it is being removed.
 */
export async function deleteObjects(
  client: KubeClient,
  refs: readonly ObjectRef[],
  options: { concurrency?: number } = {},
): Promise<DeleteResult[]> {
  const wave = (r: ObjectRef) => (r.kind === 'Namespace' ? 2 : r.kind === 'CustomResourceDefinition' ? 1 : 0);
  const out: DeleteResult[] = [];
  for (const w of [0, 1, 2]) {
    const batch = refs.filter((r) => wave(r) === w);
    const results = await mapLimit(batch, options.concurrency ?? 8, async (ref) => ({
      ref,
      deleted: await client.delete(ref),
    }));
    out.push(...results);
  }
  return out;
}
