/**
 * kustomize-controller's apply and prune, after Flux's ssa manager: objects in three stages
 * (CRDs, Namespaces and ClusterRoles; then *Class kinds; then the rest), each stage server-side
 * dry-run object by object before anything in it is applied, so one failure applies nothing of
 * its stage; garbage collection by Flux's inventory. With `spec.force`, an object whose update the
 * server refuses for an immutable field is deleted and created again, as Flux's force does.
 */
import { type Api, ApiError, at, NoKindMatchError, type Obj, refOf } from './api.js';
import { isValidatedOnlyKind, validateAgainstSchema } from './validated.js';

export const MANAGER = 'kustomize-controller';
export const NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name';
export const NAMESPACE_LABEL = 'kustomize.toolkit.fluxcd.io/namespace';

/** Flux's staged apply. The inventory and change log, or the failure message. */
export async function applyStaged(
  api: Api,
  log: (line: string) => void,
  k: Obj,
  objects: Obj[],
  force = false,
): Promise<{ entries: Entry[]; changes: string; validatedOnly: string[] } | string> {
  const stages: Obj[][] = [[], [], []];
  for (const o of objects) {
    const def =
      (o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/')) ||
      (o.kind === 'Namespace' && o.apiVersion === 'v1') ||
      (o.kind === 'ClusterRole' && o.apiVersion.startsWith('rbac.authorization.k8s.io/'));
    stages[def ? 0 : o.kind.endsWith('Class') ? 1 : 2]!.push(o);
  }
  const entries: Entry[] = [];
  const changes: string[] = [];
  const validatedOnly: string[] = [];
  for (const [i, stage] of stages.entries()) {
    const checked: { o: Obj; action: 'created' | 'configured' | 'unchanged' | 'recreate' }[] = [];
    for (const o of stage) {
      const result = await dryRun(api, o, validatedOnly, force);
      if (result === 'validated-only') continue;
      if (
        result !== 'created' &&
        result !== 'configured' &&
        result !== 'unchanged' &&
        result !== 'recreate'
      ) {
        return [result, ...changes].join('\n');
      }
      checked.push({ o, action: result });
    }
    for (const { o, action } of checked) {
      entries.push(entryOf(o));
      // Like Flux, only what the dry-run shows to differ is applied (no resourceVersion churn).
      if (action === 'unchanged') continue;
      try {
        if (action === 'recreate') await recreate(api, o);
        else await api.apply(o, MANAGER);
      } catch (e) {
        return [`${subject(o)} apply failed: ${(e as Error).message}`, ...changes].join('\n');
      }
      changes.push(`${subject(o)} ${action === 'recreate' ? 'created' : action}`);
    }
    if (i === 0) api.forget();
  }
  log(
    `${k.metadata.namespace}/${k.metadata.name}: ${entries.length} object(s) passed the server-side dry-run`,
  );
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, changes: changes.join('\n'), validatedOnly };
}

/** The live resourceVersion (undefined: new), 'validated-only', or the failure message. */
async function dryRun(
  api: Api,
  o: Obj,
  validatedOnly: string[],
  force: boolean,
): Promise<'created' | 'configured' | 'unchanged' | 'recreate' | 'validated-only' | string> {
  const info = await api.resource(o.apiVersion, o.kind);
  if (!info) {
    if (!isValidatedOnlyKind(o.apiVersion, o.kind)) {
      return `${subject(o)} dry-run failed: ${new NoKindMatchError(o.kind, o.apiVersion).message}`;
    }
    let invalid: string | undefined;
    try {
      invalid = await validateAgainstSchema(o);
    } catch (e) {
      return `${subject(o)} dry-run failed: ${new NoKindMatchError(o.kind, o.apiVersion).message} (sandbox: ${(e as Error).message})`;
    }
    if (invalid) return `${subject(o)} dry-run failed (Invalid): sandbox: ${o.apiVersion} schema: ${invalid}`;
    if (
      o.metadata.namespace &&
      !(await api.get({ apiVersion: 'v1', kind: 'Namespace', name: o.metadata.namespace }))
    ) {
      return `${subject(o)} not found: namespaces "${o.metadata.namespace}" not found`;
    }
    validatedOnly.push(`${o.apiVersion} ${subject(o)}`);
    return 'validated-only';
  }
  if (info.namespaced && !o.metadata.namespace)
    return `${subject(o)} namespace not specified: the server could not find the requested resource`;
  try {
    const live = await api.get(refOf(o));
    const dry = await api.apply(o, MANAGER, true);
    if (!live) return 'created';
    return JSON.stringify(comparable(live)) === JSON.stringify(comparable(dry)) ? 'unchanged' : 'configured';
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.status === 404) return `${subject(o)} not found: ${e.message}`;
      if (force && e.status === 422 && IMMUTABLE.test(e.message)) return 'recreate';
      return `${subject(o)} dry-run failed${e.reason ? ` (${e.reason})` : ''}: ${e.message}`;
    }
    throw e;
  }
}

/** How the apiserver words a refused change of an immutable field. */
const IMMUTABLE = /field is immutable|updates to [\w.]+ are forbidden|Forbidden: updates to/;

/** Flux's force: delete the object, wait until it is gone, then create it from Git. */
async function recreate(api: Api, o: Obj): Promise<void> {
  await api.delete(refOf(o));
  for (let i = 0; i < 100 && (await api.get(refOf(o))); i++) await new Promise((r) => setTimeout(r, 100));
  await api.apply(o, MANAGER);
}

/** Deletes what the last inventory had and this one lacks, when this Kustomization still owns it. */
export async function pruneStale(api: Api, k: Obj, next: Entry[]): Promise<string[]> {
  const keep = new Set(next.map((e) => e.id));
  const deleted: string[] = [];
  for (const e of previousInventory(k)) {
    if (keep.has(e.id)) continue;
    const ref = refOfEntry(e);
    const live = await api.get(ref).catch(() => undefined);
    if (!live) continue;
    const owned =
      live.metadata.labels?.[NAME_LABEL] === k.metadata.name &&
      live.metadata.labels?.[NAMESPACE_LABEL] === k.metadata.namespace;
    const disabled =
      live.metadata.labels?.['kustomize.toolkit.fluxcd.io/prune'] === 'disabled' ||
      live.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] === 'disabled';
    if (!owned || disabled) continue;
    if (await api.delete(ref))
      deleted.push(`${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`);
  }
  return deleted;
}

export interface Entry {
  id: string;
  v: string;
}

export function entryOf(o: Obj): Entry {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return { id: `${o.metadata.namespace ?? ''}_${o.metadata.name}_${group}_${o.kind}`, v: version ?? '' };
}

export function refOfEntry(e: Entry) {
  const [namespace, name, group, kind] = e.id.split('_');
  return {
    apiVersion: group ? `${group}/${e.v}` : e.v,
    kind: kind ?? '',
    name: name ?? '',
    ...(namespace ? { namespace } : {}),
  };
}

export function inventoryOf(k: Obj): Entry[] {
  const list = at(k, 'status', 'inventory', 'entries');
  return Array.isArray(list) ? (list.filter((e) => typeof at(e, 'id') === 'string') as Entry[]) : [];
}

const previousInventory = inventoryOf;

/** What drift detection compares: the object without server bookkeeping and status. */
function comparable(o: Obj): unknown {
  const { status: _status, ...rest } = o;
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...meta } = o.metadata;
  return { ...rest, metadata: meta };
}

/** Flux's way of naming an object in messages: Kind/namespace/name. */
export function subject(o: Obj): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
