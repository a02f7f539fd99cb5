// Opaque pagination tokens shared by every List/Describe call: a token encodes the offset into the
// (stably ordered) result list plus a fingerprint of the query, so a token cannot be replayed
// against a different query, which AWS also rejects.

import { createHash } from 'node:crypto';
import type { AwsError } from './errors.js';

export interface Page<T> {
  items: T[];
  next?: string;
}

function fingerprint(scope: string): string {
  return createHash('sha256').update(scope).digest('hex').slice(0, 12);
}

export function paginate<T>(
  all: T[],
  opts: { token?: string | undefined; max?: number | undefined; scope: string; defaultMax: number },
  invalid: (message: string) => AwsError,
): Page<T> {
  let offset = 0;
  if (opts.token !== undefined && opts.token !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(opts.token, 'base64url').toString('utf8')) as unknown;
      if (
        typeof decoded !== 'object' ||
        decoded === null ||
        (decoded as { f?: unknown }).f !== fingerprint(opts.scope) ||
        !Number.isInteger((decoded as { o?: unknown }).o)
      ) {
        throw new Error('bad token');
      }
      offset = (decoded as { o: number }).o;
    } catch {
      throw invalid('The pagination token is invalid.');
    }
  }
  const max = opts.max ?? opts.defaultMax;
  const items = all.slice(offset, offset + max);
  const nextOffset = offset + items.length;
  if (nextOffset >= all.length) return { items };
  const next = Buffer.from(JSON.stringify({ o: nextOffset, f: fingerprint(opts.scope) })).toString(
    'base64url',
  );
  return { items, next };
}
