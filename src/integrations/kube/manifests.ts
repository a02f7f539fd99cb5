/**
 * Multi-document YAML -> Kubernetes objects. Empty documents (a lone `---`, comments only) are
 * skipped, `kind: List` is flattened, and anything that is not an object with apiVersion, kind
 * and metadata.name is an error naming the file and the document (counted from 1).
 */
import { userError } from '../../primitives/errors.js';
import { parseYamlValues, YAML_LIMITS } from '../../primitives/yaml.js';
import { isRecord, type KubeObject } from './object.js';

/** `source` names the text in errors (a file path, a URL, "gotk-sync.yaml"). */
export function parseManifests(text: string, source: string): KubeObject[] {
  const docs = parseYamlValues(text, source, {
    maxBytes: YAML_LIMITS.maxBundleBytes,
    describe: ({ line, reason }) =>
      `${source} document ${documentAt(text, line ?? 0)}: invalid YAML at line ${(line ?? 0) + 1}: ${reason}`,
  });
  const out: KubeObject[] = [];
  docs.forEach((value, i) => {
    if (value === null || value === undefined) return;
    const where = `${source} document ${i + 1}`;
    for (const obj of flattenList(value, where)) out.push(checkObject(obj, where));
  });
  return out;
}

/**
 * Which document (from 1) a 0-based line falls in, counted as the parser counts them: content
 * before the first `---` is document 1, and each `---` starts the next.
 */
export function documentAt(text: string, line: number): number {
  let n = 0;
  const lines = text.split('\n', line + 1);
  for (const l of lines) {
    if (/^---(\s|$)/.test(l)) n++;
    else if (n === 0 && l.trim() !== '' && !l.startsWith('#') && !l.startsWith('%')) n = 1;
  }
  return Math.max(n, 1);
}

function flattenList(value: unknown, where: string): unknown[] {
  if (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    value.kind.endsWith('List') &&
    Array.isArray(value.items)
  ) {
    return value.items.map((item, j) => {
      if (!isRecord(item)) throw notAnObject(item, `${where} item ${j + 1}`);
      return item;
    });
  }
  return [value];
}

function checkObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw notAnObject(value, where);
  const missing: string[] = [];
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') missing.push('apiVersion');
  if (typeof value.kind !== 'string' || value.kind === '') missing.push('kind');
  const meta = value.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') missing.push('metadata.name');
  if (missing.length > 0) {
    const kind = typeof value.kind === 'string' ? ` (${value.kind})` : '';
    throw userError('GITOPS_BAD_INPUT', `${where}${kind}: missing ${missing.join(', ')}`, {
      hint: 'every document must be a Kubernetes object with apiVersion, kind and metadata.name',
    });
  }
  return value as KubeObject;
}

function notAnObject(value: unknown, where: string) {
  const found = Array.isArray(value)
    ? 'a list'
    : typeof value === 'string'
      ? 'a string'
      : `a ${typeof value}`;
  return userError('GITOPS_BAD_INPUT', `${where}: expected a Kubernetes object (a mapping), found ${found}`);
}
