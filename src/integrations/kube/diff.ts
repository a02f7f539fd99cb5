/**
 * Drift between manifests and the cluster, without changing anything: each object is applied
 * with dryRun=All (so defaulting, admission and our field ownership are taken into account,
 * exactly as a real apply would) and the result is compared with the live object. Fields the
 * server maintains by itself (resourceVersion, managedFields, generation, timestamps) are left
 * out of the comparison.
 */
import { describeApplyError } from './apply-errors.js';
import { FIELD_MANAGER, type KubeClient } from './client.js';
import { isRecord, type KubeObject, type ObjectRef } from './object.js';
import { settleLimit } from '../../primitives/pool.js';
import { applyIsNoop } from './noop.js';
import {
  canonical,
  isCrd,
  isNamespace,
  readLive,
  resolveTargets,
  type Target,
  teachCrds,
} from './targets.js';

export type DriftState = 'missing' | 'differs' | 'in-sync';

export interface Drift {
  ref: ObjectRef;
  state: DriftState;
  /** Dotted paths of what would change (spec.replicas, data.key), for `differs`. */
  fields?: string[];
  /** Set when the server refused the dry run (the object is invalid, or its kind unknown). */
  error?: string;
}

export interface DiffOptions {
  fieldManager?: string;
  defaultNamespace?: string;
  concurrency?: number;
  signal?: AbortSignal;
}

const VOLATILE_METADATA = [
  'resourceVersion',
  'managedFields',
  'generation',
  'creationTimestamp',
  'uid',
  'selfLink',
];

export async function diffObjects(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: DiffOptions = {},
): Promise<Drift[]> {
  teachCrds(client, objects);
  const defaultNamespace = options.defaultNamespace ?? client.namespace ?? 'default';
  // Objects whose kind the cluster does not serve yet (their CRD is in the set but not applied)
  // are missing by definition.
  const known: KubeObject[] = [];
  const drifts: Drift[] = [];
  for (const obj of objects) {
    const served = (await client.discovery.groupVersion(obj.apiVersion)).has(obj.kind);
    if (served || isNamespace(obj) || isCrd(obj)) {
      known.push(obj);
      continue;
    }
    const taught = await client.discovery.find(obj.apiVersion, obj.kind);
    const ref = refWithNamespace(obj, taught?.namespaced === false ? '' : defaultNamespace);
    drifts.push(
      taught
        ? { ref, state: 'missing' }
        : {
            ref,
            state: 'missing',
            error: `the cluster does not serve kind ${obj.kind} in ${obj.apiVersion}`,
          },
    );
  }
  const targets = await resolveTargets(client, known, defaultNamespace);
  // One list per resource and namespace answers "missing?" for all, and proves most objects in
  // sync without asking the server to dry-run them (noop.ts); only the rest are dry-run.
  const live = await readLive(client, targets);
  const manager = options.fieldManager ?? FIELD_MANAGER;
  const outcomes = await settleLimit(targets, options.concurrency ?? 8, async (t): Promise<Drift> => {
    const before = live.get(t.key)?.full;
    if (!before) return { ref: t.ref, state: 'missing' };
    if (applyIsNoop(t.obj, before, manager, t.info.statusSubresource))
      return { ref: t.ref, state: 'in-sync' };
    return await dryRunDiff(client, t, before, options);
  });
  outcomes.forEach((o, i) => {
    const t = targets[i]!;
    if (o.ok) drifts.push(o.value);
    else
      drifts.push({
        ref: t.ref,
        state: 'differs',
        error: describeApplyError(o.error, t.ref).failure.message,
      });
  });
  return drifts;
}

async function dryRunDiff(
  client: KubeClient,
  t: Target,
  live: KubeObject,
  options: DiffOptions,
): Promise<Drift> {
  const { object: wouldBe } = await client.applyRaw(t.info, t.obj, {
    fieldManager: options.fieldManager ?? FIELD_MANAGER,
    force: true,
    dryRun: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const fields = differences(stripVolatile(live), stripVolatile(wouldBe));
  return fields.length === 0 ? { ref: t.ref, state: 'in-sync' } : { ref: t.ref, state: 'differs', fields };
}

function stripVolatile(obj: KubeObject): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const k of VOLATILE_METADATA) delete metadata[k];
  return { ...obj, metadata };
}

/** Dotted paths where two JSON values differ; lists compare as a whole. */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const out: string[] = [];
    for (const k of [...keys].sort()) out.push(...differences(a[k], b[k], path === '' ? k : `${path}.${k}`));
    return out;
  }
  return canonical(a) === canonical(b) ? [] : [path === '' ? '.' : path];
}

function refWithNamespace(obj: KubeObject, defaultNamespace: string): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  const ns = defaultNamespace === '' ? undefined : (obj.metadata.namespace ?? defaultNamespace);
  if (ns) ref.namespace = ns;
  return ref;
}
