/**
 * The two patch kinds kustomize applies: strategic merge (Kubernetes' own merge, where lists of
 * containers, env vars, volumes... merge by key) and JSON 6902 (RFC 6902 operations). Strategic
 * merge here knows the merge keys of the built-in pod template lists; for other kinds (custom
 * resources) lists are replaced, which is what kustomize does for kinds it has no schema for.
 */
import { isRecord } from './api.js';

/** Pod-spec and Service lists that merge by a key instead of being replaced. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

export function strategicMerge(target: unknown, patch: unknown, builtIn: boolean, key = ''): unknown {
  if (!isRecord(patch)) return patch;
  if (patch['$patch'] === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) {
      throw new Error(`strategic merge directive ${k} is not implemented by the sandbox's stand-in`);
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, builtIn ? mergeKeyFor(k, key) : undefined, builtIn);
    } else if (isRecord(v)) {
      const merged = strategicMerge(out[k], v, builtIn, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  return out;
}

function mergeKeyFor(field: string, parent: string): string | undefined {
  // `ports` merge by containerPort in a container and by port in a Service spec.
  if (field === 'ports') return parent === 'spec' ? 'port' : 'containerPort';
  return MERGE_KEYS[field];
}

function mergeList(
  target: unknown,
  patch: unknown[],
  mergeKey: string | undefined,
  builtIn: boolean,
): unknown[] {
  if (mergeKey === undefined || !Array.isArray(target)) return patch.filter((p) => !isDirective(p));
  const out = [...target];
  for (const item of patch) {
    if (!isRecord(item) || item[mergeKey] === undefined) {
      throw new Error(`strategic merge: list item without its merge key "${mergeKey}"`);
    }
    const i = out.findIndex((t) => isRecord(t) && t[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = strategicMerge(out[i], item, builtIn);
    } else {
      out.push(item);
    }
  }
  return out;
}

function isDirective(v: unknown): boolean {
  return isRecord(v) && '$patch' in v;
}

export interface JsonOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/** RFC 6902 on a copy of the object. */
export function jsonPatch(doc: unknown, ops: readonly JsonOp[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    const value = op.value === undefined ? undefined : structuredClone(op.value);
    switch (op.op) {
      case 'add':
        root = put(root, op.path, value, 'add');
        break;
      case 'replace':
        get(root, op.path);
        root = put(root, op.path, value, 'replace');
        break;
      case 'remove':
        root = remove(root, op.path);
        break;
      case 'move': {
        const v = get(root, need(op.from, op));
        root = put(remove(root, need(op.from, op)), op.path, v, 'add');
        break;
      }
      case 'copy':
        root = put(root, op.path, structuredClone(get(root, need(op.from, op))), 'add');
        break;
      case 'test':
        if (JSON.stringify(get(root, op.path)) !== JSON.stringify(op.value)) {
          throw new Error(`JSON patch test failed at ${op.path}`);
        }
        break;
      default:
        throw new Error(`JSON patch op "${op.op}" is not an RFC 6902 operation`);
    }
  }
  return root;
}

function need(from: string | undefined, op: JsonOp): string {
  if (from === undefined) throw new Error(`JSON patch ${op.op} at ${op.path} needs "from"`);
  return from;
}

function tokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`JSON patch path "${path}" must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function get(root: unknown, path: string): unknown {
  let cur = root;
  for (const t of tokens(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur) && t in cur) cur = cur[t];
    else throw new Error(`JSON patch path ${path} does not exist`);
    if (cur === undefined) throw new Error(`JSON patch path ${path} does not exist`);
  }
  return cur;
}

function put(root: unknown, path: string, value: unknown, mode: 'add' | 'replace'): unknown {
  const ts = tokens(path);
  if (ts.length === 0) return value;
  const parent = get(root, `/${ts.slice(0, -1).map(escapeToken).join('/')}`.replace(/^\/$/, ''));
  const last = ts[ts.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length)
      throw new Error(`JSON patch index ${path} out of range`);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isRecord(parent)) {
    parent[last] = value;
  } else {
    throw new Error(`JSON patch path ${path} has no parent object`);
  }
  return root;
}

function remove(root: unknown, path: string): unknown {
  const ts = tokens(path);
  get(root, path);
  const parent = get(root, `/${ts.slice(0, -1).map(escapeToken).join('/')}`.replace(/^\/$/, ''));
  const last = ts[ts.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isRecord(parent)) delete parent[last];
  return root;
}

function escapeToken(t: string): string {
  return t.replaceAll('~', '~0').replaceAll('/', '~1');
}
