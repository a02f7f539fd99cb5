/**
 * YAML for files we generate (cluster.yaml, source records, kustomizations): keys in a fixed
 * order (apiVersion, kind, name first, then alphabetical) and fixed formatting, so equal data is
 * always equal bytes, whatever order the input came in.
 */
import { stringify } from 'yaml';

const HEAD = ['apiVersion', 'kind', 'name'];

function rank(key: string): number {
  const i = HEAD.indexOf(key);
  return i < 0 ? HEAD.length : i;
}

export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonicalize(v)]));
  }
  return value;
}

export function toCanonicalYaml(value: unknown): string {
  return stringify(canonicalize(value), { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
}
