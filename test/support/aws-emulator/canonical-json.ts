// Order-independent JSON, to compare the parameters of a retried idempotent create.

import { createHash } from 'node:crypto';

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function fingerprint(v: unknown, omit: string[] = []): string {
  const copy =
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([k]) => !omit.includes(k)))
      : v;
  return createHash('sha256')
    .update(JSON.stringify(sortDeep(copy)))
    .digest('hex');
}
