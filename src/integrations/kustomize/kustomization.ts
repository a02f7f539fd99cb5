/**
 * The kustomize dialect gitops speaks: the one list of kustomization.yaml fields it supports and
 * the reader that turns a parsed kustomization into typed values. The builder (`gitops diff`, the
 * Flux stand-in) and the profile check (bootstrap's render) both read kustomizations through
 * `readKustomization`, so a kustomization one of them accepts the other accepts too.
 *
 * Anything outside the list is refused by name, never ignored: an ignored field would make the
 * objects we compare differ from the ones Flux's kustomize-controller applies.
 */
import { userError } from '../../primitives/errors.js';
import { isRecord } from '../kube/object.js';

/** Every top-level field a kustomization may declare. */
export const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'namespace',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'patches',
  'images',
  'replicas',
] as const;

const TOP = new Set<string>(KUSTOMIZATION_FIELDS);
const LABEL_FIELDS = ['pairs', 'includeSelectors', 'includeTemplates'];
const PATCH_FIELDS = ['path', 'patch', 'target'];
const TARGET_FIELDS = [
  'group',
  'version',
  'kind',
  'name',
  'namespace',
  'labelSelector',
  'annotationSelector',
];
const IMAGE_FIELDS = ['name', 'newName', 'newTag', 'digest'];
const REPLICA_FIELDS = ['name', 'count'];

/** Older spellings kustomize still reads, and what to write instead. */
const INSTEAD: Record<string, string> = {
  bases: 'list the folders under resources',
  patchesStrategicMerge: 'use patches (a strategic merge patch needs no target)',
  patchesJson6902: 'use patches with a target',
  imageTags: 'use images',
};

export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export interface PatchEntry {
  /** A file next to the kustomization (relative to its folder). */
  path?: string;
  /** The patch text itself. */
  patch?: string;
  target?: Selector;
  /** `patches[2]`, for messages. */
  where: string;
}

export interface LabelEntry {
  pairs: Record<string, string>;
  /** Also selectors and pod templates (what commonLabels does). */
  includeSelectors: boolean;
  /** Also pod templates, but not selectors. */
  includeTemplates: boolean;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface ReplicaEntry {
  name: string;
  count: number;
}

export interface Kustomization {
  resources: string[];
  namespace?: string;
  labels: LabelEntry[];
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  patches: PatchEntry[];
  images: ImageEntry[];
  replicas: ReplicaEntry[];
}

/** Validates a parsed kustomization.yaml (`file` names it in messages). */
export function readKustomization(data: unknown, file: string): Kustomization {
  if (data === null || data === undefined) throw bad(file, 'the kustomization is empty');
  if (!isRecord(data)) throw bad(file, 'expected a mapping (a kustomize Kustomization)');
  for (const key of Object.keys(data)) {
    if (TOP.has(key)) continue;
    throw userError('GITOPS_BAD_CONFIG', `${file}: kustomize field "${key}" is not supported by gitops`, {
      hint: INSTEAD[key] ?? `supported fields: ${KUSTOMIZATION_FIELDS.join(', ')}`,
    });
  }
  const at = (field: string) => `${file}: ${field}`;
  if (data['kind'] !== undefined && data['kind'] !== 'Kustomization') {
    throw bad(file, `kind must be Kustomization (found ${JSON.stringify(data['kind'])})`);
  }
  optionalString(data['apiVersion'], at('apiVersion'));
  if (data['metadata'] !== undefined && !isRecord(data['metadata']))
    throw bad(at('metadata'), 'expected a mapping');
  const k: Kustomization = {
    resources: list(data['resources'], at('resources')).map((r, i) => string(r, at(`resources[${i}]`))),
    labels: list(data['labels'], at('labels')).map((l, i) => label(l, at(`labels[${i}]`))),
    commonLabels: stringMap(data['commonLabels'], at('commonLabels')),
    commonAnnotations: stringMap(data['commonAnnotations'], at('commonAnnotations')),
    patches: list(data['patches'], at('patches')).map((p, i) => patch(p, file, `patches[${i}]`)),
    images: list(data['images'], at('images')).map((m, i) => image(m, at(`images[${i}]`))),
    replicas: list(data['replicas'], at('replicas')).map((r, i) => replica(r, at(`replicas[${i}]`))),
  };
  const ns = optionalString(data['namespace'], at('namespace'));
  if (ns !== undefined && ns !== '') k.namespace = ns;
  return k;
}

function label(value: unknown, where: string): LabelEntry {
  const m = mapping(value, where, LABEL_FIELDS);
  return {
    pairs: stringMap(m['pairs'], `${where}.pairs`),
    includeSelectors: bool(m['includeSelectors'], `${where}.includeSelectors`),
    includeTemplates: bool(m['includeTemplates'], `${where}.includeTemplates`),
  };
}

function patch(value: unknown, file: string, index: string): PatchEntry {
  const where = `${file}: ${index}`;
  const m = mapping(value, where, PATCH_FIELDS);
  const path = optionalString(m['path'], `${where}.path`) || undefined;
  const text = optionalString(m['patch'], `${where}.patch`);
  const hasText = text !== undefined && text.trim() !== '';
  if (path === undefined && !hasText) throw bad(where, 'set one of path and patch');
  if (path !== undefined && hasText) throw bad(where, 'set path or patch, not both');
  const entry: PatchEntry = { where: index };
  if (path !== undefined) entry.path = path;
  if (hasText) entry.patch = text;
  if (m['target'] !== undefined) {
    const t = mapping(m['target'], `${where}.target`, TARGET_FIELDS);
    const target: Selector = {};
    for (const key of TARGET_FIELDS) {
      const v = optionalString(t[key], `${where}.target.${key}`);
      if (v !== undefined && v !== '') target[key as keyof Selector] = v;
    }
    entry.target = target;
  }
  return entry;
}

function image(value: unknown, where: string): ImageEntry {
  const m = mapping(value, where, IMAGE_FIELDS);
  const entry: ImageEntry = { name: string(m['name'], `${where}.name`) };
  for (const key of ['newName', 'newTag', 'digest'] as const) {
    const v = optionalString(m[key], `${where}.${key}`);
    if (v !== undefined && v !== '') entry[key] = v;
  }
  return entry;
}

function replica(value: unknown, where: string): ReplicaEntry {
  const m = mapping(value, where, REPLICA_FIELDS);
  const count = m['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw bad(`${where}.count`, 'expected a whole number, 0 or more');
  }
  return { name: string(m['name'], `${where}.name`), count };
}

function mapping(value: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) throw bad(where, 'expected a mapping');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw userError('GITOPS_BAD_CONFIG', `${where}: field "${key}" is not supported by gitops`, {
        hint: `supported: ${allowed.join(', ')}`,
      });
    }
  }
  return value;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad(where, 'expected a list');
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw bad(where, 'expected a mapping of strings');
  for (const [key, v] of Object.entries(value)) {
    // kustomize reads these into string maps: an unquoted `1` or `true` fails there too.
    if (typeof v !== 'string') throw bad(`${where}.${key}`, 'expected a string (quote the value)');
  }
  return value as Record<string, string>;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw bad(where, 'expected a non-empty string');
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(where, 'expected a string (quote the value)');
  return value;
}

function bool(value: unknown, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw bad(where, 'expected true or false');
  return value;
}

function bad(where: string, what: string) {
  return userError('GITOPS_BAD_CONFIG', `${where}: ${what}`);
}
