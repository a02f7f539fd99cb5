/**
 * kustomize's `patches` field. One entry's text (a file or inline) is either strategic merge
 * patches (one or more YAML documents, each a partial object) or one JSON 6902 patch (a list of
 * operations), told apart by shape as kustomize does. Without a `target`, each strategic merge
 * patch applies to the one object with its apiVersion, kind, name and namespace; with a target it
 * applies to every object the target selects (and the entry may hold only one patch). A JSON
 * 6902 patch always needs a target. A patch never renames an object or changes its kind.
 */
import jsonpatch from 'fast-json-patch';
import { userError } from '../../primitives/errors.js';
import { parseYamlStream, toPlain } from '../../primitives/yaml.js';
import { isRecord, type KubeObject } from '../kube/object.js';
import type { PatchEntry } from './kustomization.js';
import { schemaFor } from './merge-keys.js';
import { allIds, clone, describeId, idOf, type ResId, type Resource, sameId } from './resource.js';
import { selectorMatcher } from './selector.js';
import { strategicMerge } from './smp.js';

type Operation = jsonpatch.Operation;

export type ParsedPatch =
  | { type: 'strategic'; patches: Record<string, unknown>[] }
  | { type: 'json6902'; operations: Operation[] };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Reads a patch's text; `source` names it in messages. Pure: also used by the profile check. */
export function parsePatch(text: string, source: string): ParsedPatch {
  const docs = parseYamlStream(text, source)
    .docs.filter((d) => d.contents !== null)
    .map((d) => toPlain(d, source));
  if (docs.length === 0) throw userError('GITOPS_BAD_CONFIG', `${source}: the patch is empty`);
  if (Array.isArray(docs[0])) {
    if (docs.length > 1) {
      throw userError('GITOPS_BAD_CONFIG', `${source}: a JSON 6902 patch is one list of operations`);
    }
    return {
      type: 'json6902',
      operations: docs[0].map((op, i) => operation(op, `${source}: operation ${i}`)),
    };
  }
  docs.forEach((doc, i) => {
    if (!isRecord(doc)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${source}: document ${i + 1}: expected a strategic merge patch (a mapping) or a JSON 6902 patch (a list)`,
      );
    }
  });
  return { type: 'strategic', patches: docs as Record<string, unknown>[] };
}

function operation(value: unknown, where: string): Operation {
  if (!isRecord(value) || typeof value['op'] !== 'string' || !OPS.has(value['op'])) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: expected an op of add, remove, replace, move, copy or test`,
    );
  }
  if (typeof value['path'] !== 'string')
    throw userError('GITOPS_BAD_CONFIG', `${where}: path must be a string`);
  const op = value['op'];
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in value)) {
    throw userError('GITOPS_BAD_CONFIG', `${where}: ${op} needs a value`);
  }
  if ((op === 'move' || op === 'copy') && typeof value['from'] !== 'string') {
    throw userError('GITOPS_BAD_CONFIG', `${where}: ${op} needs from`);
  }
  return value as unknown as Operation;
}

/** Applies one `patches` entry to a kustomization's objects; returns the new list. */
export function applyPatch(
  resources: Resource[],
  entry: PatchEntry,
  parsed: ParsedPatch,
  where: string,
): Resource[] {
  if (parsed.type === 'json6902') {
    if (entry.target === undefined) {
      throw userError('GITOPS_BAD_CONFIG', `${where}: a JSON 6902 patch needs a target`, {
        hint: 'add target: with the kind and name (or a labelSelector) of the objects to patch',
      });
    }
    const selected = selectorMatcher(entry.target, `${where}.target`);
    return resources.map((r) => (selected(r) ? jsonPatched(r, parsed.operations, where) : r));
  }
  if (entry.target !== undefined) {
    if (parsed.patches.length > 1) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: an entry with a target may hold only one strategic merge patch`,
      );
    }
    const selected = selectorMatcher(entry.target, `${where}.target`);
    const patch = parsed.patches[0]!;
    return resources.flatMap((r) => (selected(r) ? merged(r, patch, where) : [r]));
  }
  let out = resources;
  for (const patch of parsed.patches) {
    const id = patchId(patch, where);
    const matches = out.filter((r) => allIds(r).some((other) => sameId(other, id)));
    if (matches.length !== 1) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: ${matches.length === 0 ? 'no object' : 'several objects'} of this kustomization match the patch for ${describeId(id)}`,
        { hint: 'patch an object the kustomization lists under resources, or give the patch a target' },
      );
    }
    const target = matches[0]!;
    out = out.flatMap((r) => (r === target ? merged(r, patch, where) : [r]));
  }
  return out;
}

/** The object a patch without a target is for: its own apiVersion, kind, name and namespace. */
function patchId(patch: Record<string, unknown>, where: string): ResId {
  const meta = isRecord(patch['metadata']) ? patch['metadata'] : {};
  const apiVersion = patch['apiVersion'];
  const kind = patch['kind'];
  const name = meta['name'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: a strategic merge patch without a target needs apiVersion, kind and metadata.name`,
    );
  }
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  return idOf({ apiVersion, kind, metadata: { name, namespace } });
}

function merged(r: Resource, patch: Record<string, unknown>, where: string): Resource[] {
  const id = idOf(r.object);
  const out = strategicMerge(r.object, patch, schemaFor(id), where);
  if (out === undefined) return [];
  return [{ ...r, object: keepIdentity(out, r.object) }];
}

/** kustomize restores apiVersion, kind, name and namespace after a strategic merge. */
function keepIdentity(out: Record<string, unknown>, before: KubeObject): KubeObject {
  const metadata = isRecord(out['metadata']) ? { ...out['metadata'] } : {};
  metadata['name'] = before.metadata.name;
  if (before.metadata.namespace === undefined) delete metadata['namespace'];
  else metadata['namespace'] = before.metadata.namespace;
  return { ...out, apiVersion: before.apiVersion, kind: before.kind, metadata };
}

function jsonPatched(r: Resource, operations: Operation[], where: string): Resource {
  const id = idOf(r.object);
  let result: unknown;
  try {
    result = jsonpatch.applyPatch(clone(r.object), operations, true, true).newDocument;
  } catch (e) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: JSON patch on ${describeId(id)}: ${describePatchError(e)}`,
    );
  }
  if (
    !isRecord(result) ||
    typeof result['apiVersion'] !== 'string' ||
    typeof result['kind'] !== 'string' ||
    !isRecord(result['metadata']) ||
    typeof result['metadata']['name'] !== 'string'
  ) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: JSON patch on ${describeId(id)} leaves no object (apiVersion, kind and metadata.name)`,
    );
  }
  // kustomize records the id before every JSON patch (it may have renamed the object).
  return { object: result as KubeObject, previous: [...r.previous, id] };
}

const PATCH_ERRORS: Record<string, string> = {
  TEST_OPERATION_FAILED: 'the test operation failed',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the from path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the list index is out of bounds',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'the list index is not a number',
};

function describePatchError(e: unknown): string {
  if (e instanceof jsonpatch.JsonPatchError) {
    const op = e.operation as Partial<Operation> | undefined;
    const what = PATCH_ERRORS[e.name] ?? e.message.split('\n')[0];
    return `operation ${e.index ?? '?'} (${op?.op ?? '?'} ${op?.path ?? '?'}): ${what}`;
  }
  return e instanceof Error ? e.message : String(e);
}
