// S3 buckets: CreateBucket (naming rules, region constraint, ownership), HeadBucket, ListBuckets,
// GetBucketLocation and DeleteBucket. Bucket settings (tags, public access block, encryption,
// versioning) are in s3-bucket-config.ts.

import {
  bucketOrThrow,
  invalidArgument,
  isoMillis,
  owner,
  reply,
  type S3Input,
  type S3Op,
  s3Error,
  xmlReply,
} from './s3-common.js';
import { readPayload } from './s3-payload.js';
import { BLOCK_ALL, type Bucket, DEFAULT_ENCRYPTION } from './s3-store.js';
import { readTags } from './s3-bucket-config.js';
import type { Tag } from './service.js';
import { child, childText, parseXml } from './s3-xml.js';

/** S3's default quota of general purpose buckets per account (raised from 100 in 2024). */
const MAX_BUCKETS = 10_000;
const OWNERSHIP = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** S3's naming rules for general purpose buckets (S3 User Guide, "Bucket naming rules"). */
export function validBucketName(name: string): boolean {
  return (
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => name.endsWith(s))
  );
}

function header(input: S3Input, name: string): string | undefined {
  const v = input.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * The LocationConstraint and Tags of the request body, if it has them. Tags given at creation
 * (the model's CreateBucketConfiguration.Tags) are checked as PutBucketTagging checks them.
 */
function configuration(input: S3Input): { constraint?: string; tags?: Tag[] } {
  const { body } = readPayload(input.body, input.headers);
  if (body.toString('utf8').trim() === '') return {};
  const doc = parseXml(body.toString('utf8'));
  if (doc.name !== 'CreateBucketConfiguration') throw s3Error('MalformedXML', 'Unexpected document', 400);
  const c = childText(doc, 'LocationConstraint');
  const tags = child(doc, 'Tags');
  return {
    ...(c === undefined || c === '' ? {} : { constraint: c }),
    ...(tags ? { tags: readTags(tags) } : {}),
  };
}

/**
 * us-east-1 takes no constraint (naming it is InvalidLocationConstraint); every other regional
 * endpoint needs its own region named, else IllegalLocationConstraintException.
 */
function checkRegion(region: string, constraint: string | undefined): void {
  const incompatible = (what: string) =>
    s3Error(
      'IllegalLocationConstraintException',
      `The ${what} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  if (constraint !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(constraint) && constraint !== 'EU') {
    throw s3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
      LocationConstraint: constraint,
    });
  }
  if (region === 'us-east-1') {
    if (constraint === 'us-east-1') {
      throw s3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
        LocationConstraint: constraint,
      });
    }
    if (constraint !== undefined) throw incompatible(constraint);
    return;
  }
  if (constraint === undefined) throw incompatible('unspecified');
  if (constraint !== region) throw incompatible(constraint);
}

function ownership(input: S3Input): string {
  const value = header(input, 'x-amz-object-ownership') ?? 'BucketOwnerEnforced';
  if (!OWNERSHIP.includes(value))
    throw invalidArgument('Invalid x-amz-object-ownership header', 'x-amz-object-ownership', value);
  const acl = header(input, 'x-amz-acl');
  // With ACLs disabled (the default since 2023) only the private ACL may be named.
  if (value === 'BucketOwnerEnforced' && acl !== undefined && acl !== 'private') {
    throw s3Error(
      'InvalidBucketAclWithObjectOwnership',
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
      400,
    );
  }
  return value;
}

export const bucketOps: Record<string, S3Op> = {
  CreateBucket(ctx, input) {
    if (!validBucketName(input.bucket)) {
      throw s3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, {
        BucketName: input.bucket,
      });
    }
    const { constraint, tags } = configuration(input);
    checkRegion(ctx.region, constraint);
    const objectOwnership = ownership(input);
    const existing = ctx.s3.buckets.get(input.bucket);
    if (existing && existing.ownerAccount !== input.caller.accountId) {
      throw s3Error(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        409,
        { BucketName: input.bucket },
      );
    }
    if (existing) {
      // us-east-1 keeps its legacy answer for a bucket you already own: 200, nothing changes.
      if (ctx.region === 'us-east-1') return reply(input, 200, { location: `/${input.bucket}` });
      throw s3Error(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        { BucketName: input.bucket },
      );
    }
    const owned = [...ctx.s3.buckets.values()].filter((b) => b.ownerAccount === input.caller.accountId);
    if (owned.length >= MAX_BUCKETS) {
      throw s3Error('TooManyBuckets', 'You have attempted to create more buckets than allowed', 400);
    }
    const bucket: Bucket = {
      name: input.bucket,
      region: ctx.region,
      ownerAccount: input.caller.accountId,
      createdAt: ctx.clock.now(),
      objectOwnership,
      ...(tags && tags.length > 0 ? { tags } : {}),
      publicAccessBlock: { ...BLOCK_ALL },
      encryption: { ...DEFAULT_ENCRYPTION },
      objects: new Map(),
    };
    ctx.s3.buckets.set(bucket.name, bucket);
    return reply(input, 200, { location: `/${bucket.name}` });
  },

  HeadBucket(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    return reply(input, 200, { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' });
  },

  ListBuckets(ctx, input) {
    const q = input.query;
    const max = q.has('max-buckets') ? Number(q.get('max-buckets')) : 10_000;
    if (!Number.isInteger(max) || max < 1 || max > 10_000) {
      throw invalidArgument(
        'max-buckets must be an integer between 1 and 10000',
        'max-buckets',
        q.get('max-buckets') ?? '',
      );
    }
    const prefix = q.get('prefix') ?? '';
    const region = q.get('bucket-region');
    const after = q.has('continuation-token')
      ? Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8')
      : '';
    const all = [...ctx.s3.buckets.values()]
      .filter((b) => b.ownerAccount === input.caller.accountId)
      .filter((b) => b.name.startsWith(prefix) && (region === null || b.region === region))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const rest = all.filter((b) => b.name > after);
    const page = rest.slice(0, max);
    const truncated = rest.length > page.length;
    return xmlReply(input, 'ListAllMyBucketsResult', {
      Owner: owner(input.caller.accountId),
      Buckets: {
        Bucket: page.map((b) => ({
          Name: b.name,
          CreationDate: isoMillis(b.createdAt),
          BucketRegion: b.region,
        })),
      },
      ...(truncated
        ? { ContinuationToken: Buffer.from(page[page.length - 1]!.name).toString('base64url') }
        : {}),
      ...(q.has('prefix') ? { Prefix: prefix } : {}),
    });
  },

  GetBucketLocation(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    // us-east-1 buckets answer an empty constraint.
    return xmlReply(input, 'LocationConstraint', b.region === 'us-east-1' ? '' : b.region);
  },

  DeleteBucket(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    if (!ctx.s3.isEmpty(b)) {
      const onlyHistory = ctx.s3.currentObjects(b).length === 0;
      throw s3Error(
        'BucketNotEmpty',
        onlyHistory
          ? 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.'
          : 'The bucket you tried to delete is not empty',
        409,
        { BucketName: b.name },
      );
    }
    ctx.s3.buckets.delete(b.name);
    return reply(input, 204);
  },
};
