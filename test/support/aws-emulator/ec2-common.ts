// Helpers shared by the EC2 operations: tag specifications, Describe* id lookup + filters +
// pagination, ClientToken idempotency, and EC2's error codes.

import { createHash } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import { applyFilters, type FilterFields, readFilters } from './ec2-filters.js';
import { paginate } from './paging.js';
import type { QueryParams } from './query.js';
import type { Tag } from './service.js';
import type { XmlObject } from './xml.js';

export type Ec2Op = (ctx: EmulatorContext, p: QueryParams) => XmlObject;

export const invalidParameterValue = (message: string) => new AwsError('InvalidParameterValue', message, 400);
export const dependencyViolation = (message: string) => new AwsError('DependencyViolation', message, 400);
export const notFound = (code: string, message: string) => new AwsError(code, message, 400);

export const OK: XmlObject = { return: true };

/** Tags from `TagSpecification.N` entries whose ResourceType names this kind of resource. */
export function readTagSpecs(p: QueryParams, resourceType: string): Tag[] {
  const tags: Tag[] = [];
  for (const spec of p.structs('TagSpecification')) {
    const type = spec.str('ResourceType');
    if (type !== resourceType) {
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    }
    for (const t of spec.structs('Tag'))
      tags.push(checkTag({ Key: t.required('Key'), Value: t.str('Value') ?? '' }));
  }
  // EC2's model sets no maximum; the service does (50 per resource), as CreateTags does.
  if (tags.length > 50)
    throw new AwsError('TagLimitExceeded', 'The maximum number of tags (50) was exceeded.', 400);
  return tags;
}

export function checkTag(t: Tag): Tag {
  if (t.Key.toLowerCase().startsWith('aws:')) {
    throw invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use`);
  }
  if (t.Key.length > 128 || t.Value.length > 256) throw invalidParameterValue(`Tag ${t.Key} is too long`);
  return t;
}

export function tagSet(tags: Tag[]): XmlObject[] | undefined {
  return tags.length > 0 ? tags.map((t) => ({ key: t.Key, value: t.Value })) : undefined;
}

export interface DescribeSpec<T> {
  /** Query member listing ids to fetch, e.g. 'VpcId'. */
  idParam: string;
  all: T[];
  idOf: (r: T) => string;
  missing: (id: string) => AwsError;
  fields: FilterFields<T>;
  /** Undefined for the Describe* calls that do not paginate. */
  page?: { min: number; max: number };
}

export function describe<T extends { tags: Tag[] }>(
  p: QueryParams,
  spec: DescribeSpec<T>,
): { items: T[]; next?: string } {
  const ids = p.list(spec.idParam);
  const maxResults = p.int('MaxResults');
  if (spec.page && maxResults !== undefined) {
    if (ids.length > 0) {
      throw new AwsError(
        'InvalidParameterCombination',
        `The parameter ${spec.idParam}s cannot be used with the parameter maxResults`,
        400,
      );
    }
    if (maxResults < spec.page.min || maxResults > spec.page.max) {
      throw invalidParameterValue(
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${spec.page.min} and ${spec.page.max}.`,
      );
    }
  }
  let items = spec.all;
  if (ids.length > 0) {
    items = ids.map((id) => {
      const found = spec.all.find((r) => spec.idOf(r) === id);
      if (!found) throw spec.missing(id);
      return found;
    });
  }
  items = applyFilters(items, readFilters(p), spec.fields);
  if (!spec.page) return { items };
  const scope = `${spec.idParam}:${JSON.stringify(readFilters(p))}`;
  const page = paginate(items, { token: p.str('NextToken'), max: maxResults, scope, defaultMax: 1000 }, () =>
    invalidParameterValue('The token is invalid.'),
  );
  return page.next !== undefined ? { items: page.items, next: page.next } : { items: page.items };
}

/**
 * ClientToken idempotency: a retried create with the same token and the same parameters
 * returns what the first call made; the same token with other parameters is an error.
 */
export function idempotent(
  ctx: EmulatorContext,
  p: QueryParams,
  operation: string,
  exists: (id: string) => boolean,
  create: () => string,
): { id: string; token?: string } {
  const token = p.str('ClientToken');
  if (token === undefined) return { id: create() };
  const params = Object.entries(p.toJSON())
    .filter(([k]) => k !== 'ClientToken')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const fingerprint = createHash('sha256').update(JSON.stringify(params)).digest('hex');
  const seen = ctx.ec2.clientTokens.get(token);
  if (seen && seen.operation === operation && exists(seen.resourceId)) {
    if (seen.fingerprint !== fingerprint) {
      throw new AwsError(
        'IdempotentParameterMismatch',
        `Client token ${token} was already used with different parameters.`,
        400,
      );
    }
    return { id: seen.resourceId, token };
  }
  const id = create();
  ctx.ec2.clientTokens.set(token, { operation, fingerprint, resourceId: id });
  return { id, token };
}
