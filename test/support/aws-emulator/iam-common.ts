// Shared pieces of the IAM operations: the operation signature, IAM's error codes, role lookup
// and tag validation (roles and OIDC providers follow the same tag rules).

import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import type { Role } from './iam-store.js';
import type { QueryParams } from './query.js';
import type { Tag } from './service.js';
import type { XmlObject } from './xml.js';

export type IamOp = (ctx: EmulatorContext, p: QueryParams) => XmlObject | undefined;

export const validation = (message: string) => new AwsError('ValidationError', message, 400);
export const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message, 404);
export const invalidInput = (message: string) => new AwsError('InvalidInput', message, 400);
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', message, 409);

/** IAM's name pattern for roles and policies ([\w+=,.@-]), with the length limit of each. */
export function checkName(field: string, value: string, max: number): void {
  if (!/^[\w+=,.@-]+$/.test(value) || value.length > max) {
    throw validation(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
    );
  }
}

export function roleNamed(ctx: EmulatorContext, p: QueryParams): Role {
  const name = p.required('RoleName');
  const role = ctx.iam.roles.get(name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

export function readTags(p: QueryParams): Tag[] {
  const tags = p.structs('Tags.member').map((t) => ({ Key: t.required('Key'), Value: t.str('Value') ?? '' }));
  for (const t of tags) {
    if (t.Key.length > 128 || t.Value.length > 256) throw invalidInput(`Tag ${t.Key} is too long.`);
    if (t.Key.toLowerCase().startsWith('aws:'))
      throw invalidInput('Tag keys beginning with aws: are reserved.');
  }
  return tags;
}

export function mergeTags(existing: Tag[], added: Tag[], what = 'A role'): Tag[] {
  const out = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) out.set(t.Key, t.Value);
  if (out.size > 50) throw limitExceeded(`${what} can have at most 50 tags.`);
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}
