// Shared pieces of the EKS operations: input shape, EKS's error types, lookups, validation of
// names and tags, pagination and clientRequestToken idempotency.

import { fingerprint } from './canonical-json.js';
import type { EmulatorContext } from './context.js';
import type { Cluster } from './eks-store.js';
import { AwsError } from './errors.js';
import type { Caller } from './identities.js';
import type { JsonInput } from './json-input.js';
import { refreshVersion } from './eks-upgrades.js';
import { paginate } from './paging.js';

export interface EksInput {
  labels: Record<string, string>;
  query: URLSearchParams;
  body: JsonInput;
  caller: Caller;
}

export type EksOp = (ctx: EmulatorContext, input: EksInput) => unknown;

type Fields = Record<string, unknown>;
export const resourceNotFound = (message: string, fields: Fields = {}) =>
  new AwsError('ResourceNotFoundException', message, 404, fields);
export const resourceInUse = (message: string, fields: Fields = {}) =>
  new AwsError('ResourceInUseException', message, 409, fields);
export const invalidParameter = (message: string, fields: Fields = {}) =>
  new AwsError('InvalidParameterException', message, 400, fields);
export const invalidRequest = (message: string, fields: Fields = {}) =>
  new AwsError('InvalidRequestException', message, 400, fields);

const NAME_RE = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;

export function checkName(kind: string, name: string, max: number): void {
  if (!NAME_RE.test(name) || name.length > max) {
    throw invalidParameter(
      `${kind} name '${name}' is invalid: it must start with a letter or digit, contain only letters, digits, hyphens and underscores, and be at most ${max} characters.`,
    );
  }
}

export function clusterOrThrow(ctx: EmulatorContext, name: string): Cluster {
  ctx.eks.sweep();
  const c = ctx.eks.clusters.get(name);
  if (!c) throw resourceNotFound(`No cluster found for name: ${name}.`, { clusterName: name });
  refreshVersion(ctx, c);
  return c;
}

/** Node groups, add-ons and access entries need the control plane up. */
export function activeClusterOrThrow(ctx: EmulatorContext, name: string): Cluster {
  const c = clusterOrThrow(ctx, name);
  const status = ctx.eks.status(c.lifecycle);
  if (status !== 'ACTIVE' && status !== 'UPDATING') {
    throw resourceInUse(`Cluster '${name}' is not in ACTIVE status (current status: ${status}).`, {
      clusterName: name,
    });
  }
  return c;
}

export function readTags(body: JsonInput): Record<string, string> {
  const tags = body.stringMap('tags') ?? {};
  const keys = Object.keys(tags);
  if (keys.length > 50) throw invalidParameter('A resource can have at most 50 tags.');
  for (const k of keys) {
    if (k.toLowerCase().startsWith('aws:'))
      throw invalidParameter(`Tag key ${k} uses the reserved prefix aws:.`);
    if (k.length > 128 || (tags[k] ?? '').length > 256) throw invalidParameter(`Tag ${k} is too long.`);
  }
  return tags;
}

export function requestFingerprint(body: JsonInput, labels: Record<string, string>): string {
  return fingerprint({ ...body.data, ...labels }, ['clientRequestToken']);
}

/**
 * clientRequestToken idempotency for creates: the same token with the same parameters gets the
 * resource the first call created instead of a duplicate-name error.
 */
export function replayed<T extends { clientRequestToken?: string; fingerprint: string }>(
  existing: T | undefined,
  body: JsonInput,
  labels: Record<string, string>,
): T | undefined {
  const token = body.str('clientRequestToken');
  if (!existing || token === undefined || existing.clientRequestToken !== token) return undefined;
  if (existing.fingerprint !== requestFingerprint(body, labels)) {
    throw invalidParameter(`The client request token ${token} was already used with different parameters.`);
  }
  return existing;
}

export function listPage<T>(all: T[], input: EksInput, scope: string): { items: T[]; nextToken?: string } {
  const raw = input.query.get('maxResults');
  const max = raw === null ? undefined : Number(raw);
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 100)) {
    throw invalidParameter('maxResults must be between 1 and 100.');
  }
  const page = paginate(
    all,
    { token: input.query.get('nextToken') ?? undefined, max, scope, defaultMax: 100 },
    invalidParameter,
  );
  return page.next !== undefined ? { items: page.items, nextToken: page.next } : { items: page.items };
}

/**
 * clientRequestToken idempotency for updates: the same token again, with the same parameters, is
 * a retry of the earlier update (answered with it, applied no second time); with other parameters
 * it is refused. Returns the earlier update, or the token and fingerprint to store with a new one.
 */
export function replayedUpdate<T extends { clientRequestToken?: string; fingerprint?: string }>(
  earlier: readonly T[],
  body: JsonInput,
  labels: Record<string, string>,
): { replay: T } | { record: { clientRequestToken?: string; fingerprint?: string } } {
  const token = body.str('clientRequestToken');
  if (token === undefined) return { record: {} };
  const fingerprint = requestFingerprint(body, labels);
  const replay = earlier.find((u) => u.clientRequestToken === token);
  if (!replay) return { record: { clientRequestToken: token, fingerprint } };
  if (replay.fingerprint !== fingerprint)
    throw invalidParameter(`The client request token ${token} was already used with different parameters.`);
  return { replay };
}
