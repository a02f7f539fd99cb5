/** Helpers every adapter shares: error wrapping, not-found as `undefined`, tag list shapes. */
import { isNotFound, toAwsError } from '../errors.js';
import type { HealthIssue, Tags } from '../ports.js';

/** Runs one SDK call; anything it throws becomes an AwsError naming service and operation. */
export async function call<T>(service: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toAwsError(service, operation, e);
  }
}

/** Like `call`, but AWS's not-found error means "no such resource": `undefined`. */
export async function find<T>(
  service: string,
  operation: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call(service, operation, fn);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** EC2/IAM/ECR tag lists (`[{Key, Value}]`) to a record. */
export function tagsFromList(
  list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function tagsToList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function healthIssues(
  issues: readonly { code?: string | undefined; message?: string | undefined }[] | undefined,
): HealthIssue[] {
  return (issues ?? []).map((i) => ({ code: String(i.code ?? 'Unknown'), message: i.message ?? '' }));
}

/** Collects every page of a token-paginated list call. */
export async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const r = await page(token);
    out.push(...r.items);
    token = r.next;
  } while (token);
  return out;
}
