/**
 * Strategic merge patches, with the semantics of the merge kustomize runs (kyaml's merge2, as
 * its patch transformer calls it):
 *   - mappings merge key by key; a `null` value removes the key;
 *   - lists with merge keys (see merge-keys.ts) merge element by element; the result lists the
 *     patch's elements first, in the patch's order, then the object's other elements in theirs
 *     (kustomize merges with "list prepend", so a container a patch adds comes first);
 *   - every other list, and every scalar, is replaced by the patch's value;
 *   - `$patch: delete` on a mapping removes it (on a list element: that element; at the top:
 *     the whole object), `$patch: replace` replaces it instead of merging, and a list element
 *     that is only `{$patch: replace}` or `{$patch: delete}` replaces or removes the whole list.
 * Other `$` directives of Kubernetes' strategic merge ($setElementOrder, $retainKeys,
 * $deleteFromPrimitiveList) are refused: kustomize's merge does not know them either and would
 * copy them into the object.
 */
import { userError } from '../../primitives/errors.js';
import { isRecord } from '../kube/object.js';
import type { Schema } from './merge-keys.js';
import { clone } from './resource.js';

const DELETE = Symbol('delete');
type Merged = unknown;

/** Returns the merged object, or undefined when the patch deletes it. Neither input is changed. */
export function strategicMerge(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  schema: Schema | undefined,
  where: string,
): Record<string, unknown> | undefined {
  const out = mergeMap(target, patch, schema, '', where);
  return out === DELETE ? undefined : (out as Record<string, unknown>);
}

function mergeValue(
  dest: unknown,
  patch: unknown,
  schema: Schema | undefined,
  path: string,
  where: string,
): Merged {
  if (patch === null) return DELETE;
  if (isRecord(patch)) return mergeMap(dest, patch, schema, path, where);
  if (Array.isArray(patch)) return mergeList(dest, patch, schema, path, where);
  if (isRecord(dest) || Array.isArray(dest)) throw mismatch(where, path, dest);
  return patch;
}

function mergeMap(
  dest: unknown,
  patch: Record<string, unknown>,
  schema: Schema | undefined,
  path: string,
  where: string,
): Merged {
  if (dest !== undefined && dest !== null && !isRecord(dest)) throw mismatch(where, path, dest);
  const { $patch: directive, ...fields } = patch;
  if (directive !== undefined) {
    const d = checkDirective(directive, path, where);
    if (d === 'delete') return DELETE;
    if (d === 'replace') return clone(fields);
  }
  const out: Record<string, unknown> = isRecord(dest) ? { ...dest } : {};
  for (const [key, value] of Object.entries(fields)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$')) {
      throw userError('GITOPS_BAD_CONFIG', `${where}: ${at}: the "${key}" directive is not supported`, {
        hint: 'kustomize supports only $patch (delete, replace, merge) in strategic merge patches',
      });
    }
    const merged = mergeValue(out[key], value, schema?.fields?.[key], at, where);
    if (merged === DELETE) delete out[key];
    else out[key] = merged;
  }
  return out;
}

function mergeList(
  dest: unknown,
  patch: unknown[],
  schema: Schema | undefined,
  path: string,
  where: string,
): Merged {
  if (dest !== undefined && dest !== null && !Array.isArray(dest)) throw mismatch(where, path, dest);
  const keys = schema?.mergeKeys;
  if (keys === undefined) return clone(patch);
  let elements = patch;
  const marker = patch.findIndex((e) => isRecord(e) && Object.keys(e).length === 1 && '$patch' in e);
  if (marker >= 0) {
    elements = patch.filter((_, i) => i !== marker);
    const d = checkDirective((patch[marker] as Record<string, unknown>)['$patch'], path, where);
    if (d === 'delete') return DELETE;
    if (d === 'replace') return clone(elements);
  }
  const current = Array.isArray(dest) ? dest : [];
  if (keys.length === 0) {
    // A list of plain values merged as a set: the patch's values, then the object's others.
    const out = elements.map(clone);
    for (const v of current) if (!out.some((o) => o === v)) out.push(v);
    return out;
  }
  const [first] = keys as [string];
  const used = new Set<number>();
  const out: unknown[] = [];
  elements.forEach((element, n) => {
    const at = `${path}[${n}]`;
    if (!isRecord(element) || element[first] === undefined || element[first] === null) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: ${at}: elements of ${path} are merged by "${first}"; this one has none`,
      );
    }
    const i = current.findIndex((d, j) => !used.has(j) && isRecord(d) && sameElement(d, element, keys));
    if (i >= 0) used.add(i);
    const merged = mergeMap(i >= 0 ? current[i] : undefined, element, schema?.items, at, where);
    if (merged !== DELETE) out.push(merged);
  });
  current.forEach((d, j) => {
    if (!used.has(j)) out.push(d);
  });
  return out;
}

/** Same first key; further keys (a port's protocol) must agree only where both sides set them. */
function sameElement(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  keys: readonly string[],
): boolean {
  return keys.every((key, i) => {
    const x = a[key];
    const y = b[key];
    if (i > 0 && (x === undefined || y === undefined)) return true;
    return x !== undefined && y !== undefined && String(x) === String(y);
  });
}

function checkDirective(value: unknown, path: string, where: string): 'delete' | 'replace' | 'merge' {
  if (value === 'delete' || value === 'replace' || value === 'merge') return value;
  throw userError(
    'GITOPS_BAD_CONFIG',
    `${where}: ${path || 'the patch'}: unknown $patch strategy ${JSON.stringify(value)}`,
    { hint: 'use delete, replace or merge' },
  );
}

function mismatch(where: string, path: string, dest: unknown) {
  const found = Array.isArray(dest) ? 'a list' : isRecord(dest) ? 'a mapping' : 'a value';
  return userError(
    'GITOPS_BAD_CONFIG',
    `${where}: ${path || 'the patch'}: the object has ${found} here and the patch something else`,
  );
}
