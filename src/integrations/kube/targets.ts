/**
 * Turns parsed objects into apply targets: the resource each one maps to (from discovery, or
 * from a CRD in the same set), its namespace settled by that answer (cluster-scoped objects lose
 * a stray namespace, namespaced ones get the default), and what the cluster holds already.
 */
import { userError } from '../../primitives/errors.js';
import type { KubeClient } from './client.js';
import { type ResourceInfo, resourcesOfCrd } from './discovery.js';
import { mapLimit } from '../../primitives/pool.js';
import { describeRef, type KubeObject, type ObjectRef, refKey, refOf } from './object.js';

export interface Target {
  obj: KubeObject;
  ref: ObjectRef;
  key: string;
  info: ResourceInfo;
}

export interface LiveMeta {
  resourceVersion: string;
  managers: readonly string[];
  generation: number | undefined;
  metadata: KubeObject['metadata'];
  /** The whole live object. */
  full?: KubeObject;
}

export function isCrd(obj: KubeObject): boolean {
  return obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/');
}

export function isNamespace(obj: KubeObject): boolean {
  return obj.kind === 'Namespace' && obj.apiVersion === 'v1';
}

/** Teaches discovery every CRD of the set, so their objects resolve before discovery has them. */
export function teachCrds(client: KubeClient, objects: readonly KubeObject[]): void {
  for (const obj of objects)
    if (isCrd(obj)) for (const info of resourcesOfCrd(obj)) client.discovery.teach(info);
}

export async function resolveTargets(
  client: KubeClient,
  objects: readonly KubeObject[],
  defaultNamespace: string,
): Promise<Target[]> {
  const seen = new Map<string, string>();
  return await mapLimit(objects, 8, async (original) => {
    const info = await client.discovery.resolve(original.apiVersion, original.kind).catch((e: unknown) => {
      throw userError(
        'GITOPS_KUBE',
        `${describeRef(refOf(original))}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e, hint: 'apply the CustomResourceDefinition first, or check the apiVersion' },
      );
    });
    const metadata = { ...original.metadata };
    if (info.namespaced) metadata.namespace = metadata.namespace || defaultNamespace;
    else delete metadata.namespace;
    const obj: KubeObject = { ...original, metadata };
    const ref = refOf(obj);
    const key = refKey(ref);
    if (seen.has(key))
      throw userError('GITOPS_BAD_INPUT', `${describeRef(ref)} appears twice in the same set`);
    seen.set(key, key);
    return { obj, ref, key, info };
  });
}

/**
 * Reads what exists already with one list per resource and namespace instead of a GET per
 * object. The live objects serve three purposes: resourceVersion (to tell configured from
 * unchanged), field managers (to decide where `force` is ours to use), and content, both to
 * skip applies that cannot change anything (noop.ts) and to see whether a new resourceVersion
 * means new content: kube-apiserver 1.20 writes a no-op apply anyway when a manifest value is
 * not in canonical form (a quantity "1000m" stored as "1"), changing only managedFields.
 */
export async function readLive(
  client: KubeClient,
  targets: readonly Target[],
): Promise<Map<string, LiveMeta>> {
  const groups = new Map<string, { info: ResourceInfo; namespace: string | undefined }>();
  for (const t of targets) {
    const k = `${t.info.group}/${t.info.version}/${t.info.resource}/${t.ref.namespace ?? ''}`;
    if (!groups.has(k)) groups.set(k, { info: t.info, namespace: t.ref.namespace });
  }
  const live = new Map<string, LiveMeta>();
  await mapLimit([...groups.values()], 8, async ({ info, namespace }) => {
    const items = await client.listResource(info, namespace ? { namespace } : {});
    for (const item of items) {
      const ref = refOf(item);
      live.set(refKey(ref), {
        resourceVersion: item.metadata.resourceVersion ?? '',
        managers: (item.metadata.managedFields ?? []).map((m) => m.manager ?? ''),
        generation: item.metadata.generation,
        metadata: item.metadata,
        full: item,
      });
    }
  });
  return live;
}

/** Did an apply that produced `after` change anything but server bookkeeping? */
export function contentChanged(before: LiveMeta, after: KubeObject): boolean {
  if (before.resourceVersion === (after.metadata?.resourceVersion ?? '')) return false;
  if (before.full) return !sameIgnoringBookkeeping(before.full, after);
  if ((after.metadata?.generation ?? undefined) !== before.generation) return true;
  const keys = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'deletionTimestamp'] as const;
  return keys.some(
    (k) => JSON.stringify(before.metadata[k] ?? null) !== JSON.stringify(after.metadata?.[k] ?? null),
  );
}

const BOOKKEEPING = new Set(['resourceVersion', 'managedFields']);

function sameIgnoringBookkeeping(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const metadata: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.metadata ?? {})) if (!BOOKKEEPING.has(k)) metadata[k] = v;
    // List items carry no apiVersion/kind of their own; compare content only.
    const { apiVersion: _v, kind: _k, ...rest } = o;
    return { ...rest, metadata };
  };
  return canonical(strip(a)) === canonical(strip(b));
}

/** JSON with sorted keys, so that key order does not count as a difference. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}
