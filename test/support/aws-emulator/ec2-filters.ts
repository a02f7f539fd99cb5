// EC2 Describe* filtering: `Filter.N.Name` / `Filter.N.Value.M`, with the generic tag filters
// (`tag:<key>`, `tag-key`, `tag-value`) on every resource, per-resource filter names, and the
// `*` / `?` wildcards EC2 supports. Filters AND together; the values of one filter OR.

import { AwsError } from './errors.js';
import type { QueryParams } from './query.js';
import type { Tag } from './service.js';

export interface Filter {
  name: string;
  values: string[];
}

export type FilterFields<T> = Record<string, (r: T) => (string | boolean | undefined)[]>;

export function readFilters(p: QueryParams): Filter[] {
  return p.structs('Filter').map((f) => ({ name: f.required('Name'), values: f.list('Value') }));
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function valuesFor<T extends { tags: Tag[] }>(
  r: T,
  name: string,
  fields: FilterFields<T>,
): string[] | undefined {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return r.tags.filter((t) => t.Key === key).map((t) => t.Value);
  }
  if (name === 'tag-key') return r.tags.map((t) => t.Key);
  if (name === 'tag-value') return r.tags.map((t) => t.Value);
  const field = fields[name];
  if (!field) return undefined;
  return field(r)
    .filter((v) => v !== undefined)
    .map(String);
}

export function applyFilters<T extends { tags: Tag[] }>(
  items: T[],
  filters: Filter[],
  fields: FilterFields<T>,
): T[] {
  for (const f of filters) {
    if (!f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value' && !(f.name in fields)) {
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`, 400);
    }
  }
  return items.filter((r) =>
    filters.every((f) => {
      const have = valuesFor(r, f.name, fields) ?? [];
      const patterns = f.values.map(wildcard);
      return have.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}
