/**
 * Turns schema failures into the one-line errors users see, naming the file and the YAML path of
 * the bad field: `gitops.yaml: nodeGroups[1].instanceTypes: expected a non-empty list`.
 */
import type { z } from 'zod';
import { userError, type GitopsError, type ErrorCode } from './errors.js';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Where an issue points; one unknown key points at that key (so its line can be found). */
export function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === 'unrecognized_keys' && issue.keys.length === 1
    ? [...issue.path, issue.keys[0]!]
    : [...issue.path];
}

export function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `expected ${issue.expected}, got ${describe(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Validates and returns typed data, or throws a user error for the first issue. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
  hint?: string,
): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw schemaError(result.error.issues, source, code, hint);
}

export function schemaError(
  issues: readonly z.core.$ZodIssue[],
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
  hint?: string,
): GitopsError {
  const first = issues[0]!;
  let path = first.path;
  let message = issueMessage(first);
  // An unknown key is reported at its own path, which is more useful than its parent's.
  if (first.code === 'unrecognized_keys' && first.keys.length === 1) {
    path = [...first.path, first.keys[0]!];
    message = 'unknown field';
  }
  const where = path.length > 0 ? `${source}: ${formatPath(path)}` : source;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return userError(code, `${where}: ${message}${more}`, hint === undefined ? {} : { hint });
}
