// S3 bucket settings: tags, public access block, default encryption and versioning, with the
// defaults S3 gives new buckets since 2023 (SSE-S3, all public access blocked, never versioned).

import type { EmulatorContext } from './context.js';
import {
  bucketOrThrow,
  invalidArgument,
  reply,
  type S3Input,
  type S3Op,
  s3Error,
  xmlReply,
} from './s3-common.js';
import { readPayload, verifyIntegrity } from './s3-payload.js';
import { type Bucket, DEFAULT_ENCRYPTION, type PublicAccessBlock } from './s3-store.js';
import { child, childBool, children, childText, malformedXml, parseXml, type XmlElement } from './s3-xml.js';

const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/**
 * The configuration document of a Put*, checked as S3 checks it. Operations whose model says
 * httpChecksumRequired need Content-MD5 or an x-amz-checksum-* header.
 */
function document(input: S3Input, root: string, checksumRequired: boolean): XmlElement {
  const payload = readPayload(input.body, input.headers);
  const { hasIntegrityHeader } = verifyIntegrity(input.headers, payload);
  if (checksumRequired && !hasIntegrityHeader) {
    throw s3Error('InvalidRequest', 'Missing required header for this request: Content-MD5', 400);
  }
  const doc = parseXml(payload.body.toString('utf8'));
  if (doc.name !== root) throw malformedXml();
  return doc;
}

const invalidTag = (message: string) => s3Error('InvalidTag', message, 400);

function readTagSet(doc: XmlElement): { Key: string; Value: string }[] {
  const set = child(doc, 'TagSet');
  if (!set) throw malformedXml();
  return readTags(set);
}

/** The Tag elements of a tag list (PutBucketTagging's TagSet, CreateBucket's Tags), checked as S3 does. */
export function readTags(set: XmlElement): { Key: string; Value: string }[] {
  const tags = children(set, 'Tag').map((t) => {
    const Key = childText(t, 'Key');
    if (Key === undefined) throw malformedXml();
    return { Key, Value: childText(t, 'Value') ?? '' };
  });
  if (tags.length > 50) throw invalidTag('Bucket tag count cannot be greater than 50');
  const keys = new Set<string>();
  for (const t of tags) {
    if (keys.has(t.Key)) throw invalidTag('Cannot provide multiple Tags with the same key');
    keys.add(t.Key);
    if (t.Key.length === 0 || t.Key.length > 128) throw invalidTag('The TagKey you have provided is invalid');
    if (t.Value.length > 256) throw invalidTag('The TagValue you have provided is invalid');
    if (t.Key.toLowerCase().startsWith('aws:'))
      throw invalidTag('System tags cannot be added/updated by requester');
  }
  return tags;
}

function publicAccessBlockXml(p: PublicAccessBlock) {
  return { ...p };
}

function encryptionXml(b: Bucket) {
  const e = b.encryption;
  return {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: e.algorithm,
        ...(e.kmsKeyId !== undefined ? { KMSMasterKeyID: e.kmsKeyId } : {}),
      },
      BucketKeyEnabled: e.bucketKeyEnabled,
    },
  };
}

function withBucket(fn: (ctx: EmulatorContext, input: S3Input, b: Bucket) => ReturnType<S3Op>): S3Op {
  return (ctx, input) => fn(ctx, input, bucketOrThrow(ctx, input));
}

export const bucketConfigOps: Record<string, S3Op> = {
  PutBucketTagging: withBucket((_ctx, input, b) => {
    b.tags = readTagSet(document(input, 'Tagging', true));
    return reply(input, 204);
  }),

  GetBucketTagging: withBucket((_ctx, input, b) => {
    if (!b.tags || b.tags.length === 0) {
      throw s3Error('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: b.name });
    }
    return xmlReply(input, 'Tagging', { TagSet: { Tag: b.tags.map((t) => ({ ...t })) } });
  }),

  DeleteBucketTagging: withBucket((_ctx, input, b) => {
    delete b.tags;
    return reply(input, 204);
  }),

  PutPublicAccessBlock: withBucket((_ctx, input, b) => {
    const doc = document(input, 'PublicAccessBlockConfiguration', true);
    // An element left out of the document is false.
    b.publicAccessBlock = {
      BlockPublicAcls: childBool(doc, 'BlockPublicAcls') ?? false,
      IgnorePublicAcls: childBool(doc, 'IgnorePublicAcls') ?? false,
      BlockPublicPolicy: childBool(doc, 'BlockPublicPolicy') ?? false,
      RestrictPublicBuckets: childBool(doc, 'RestrictPublicBuckets') ?? false,
    };
    return reply(input, 200);
  }),

  GetPublicAccessBlock: withBucket((_ctx, input, b) => {
    if (!b.publicAccessBlock) {
      throw s3Error(
        'NoSuchPublicAccessBlockConfiguration',
        'The public access block configuration was not found',
        404,
        { BucketName: b.name },
      );
    }
    return xmlReply(input, 'PublicAccessBlockConfiguration', publicAccessBlockXml(b.publicAccessBlock));
  }),

  DeletePublicAccessBlock: withBucket((_ctx, input, b) => {
    delete b.publicAccessBlock;
    return reply(input, 204);
  }),

  PutBucketEncryption: withBucket((_ctx, input, b) => {
    const rules = children(document(input, 'ServerSideEncryptionConfiguration', true), 'Rule');
    if (rules.length !== 1) throw malformedXml();
    const byDefault = child(rules[0]!, 'ApplyServerSideEncryptionByDefault');
    const algorithm = byDefault ? childText(byDefault, 'SSEAlgorithm') : undefined;
    if (!byDefault || algorithm === undefined || !SSE_ALGORITHMS.includes(algorithm)) throw malformedXml();
    const kmsKeyId = childText(byDefault, 'KMSMasterKeyID');
    if (kmsKeyId !== undefined && algorithm === 'AES256') {
      throw invalidArgument(
        'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
      );
    }
    b.encryption = {
      algorithm,
      ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
      bucketKeyEnabled: childBool(rules[0]!, 'BucketKeyEnabled') ?? false,
    };
    return reply(input, 200);
  }),

  GetBucketEncryption: withBucket((_ctx, input, b) =>
    xmlReply(input, 'ServerSideEncryptionConfiguration', encryptionXml(b)),
  ),

  DeleteBucketEncryption: withBucket((_ctx, input, b) => {
    // Every bucket is encrypted: removing the configuration falls back to SSE-S3.
    b.encryption = { ...DEFAULT_ENCRYPTION };
    return reply(input, 204);
  }),

  PutBucketVersioning: withBucket((_ctx, input, b) => {
    const doc = document(input, 'VersioningConfiguration', false);
    const status = childText(doc, 'Status');
    if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
    const mfaDelete = childText(doc, 'MfaDelete');
    if (mfaDelete !== undefined && mfaDelete !== 'Enabled' && mfaDelete !== 'Disabled') throw malformedXml();
    if (mfaDelete === 'Enabled') {
      throw s3Error(
        'NotImplemented',
        'MFA delete is not emulated (it needs the root user and x-amz-mfa).',
        501,
      );
    }
    // A versioned bucket can be suspended, never unversioned again.
    if (status !== undefined) b.versioning = status;
    return reply(input, 200);
  }),

  GetBucketVersioning: withBucket((_ctx, input, b) =>
    xmlReply(input, 'VersioningConfiguration', b.versioning ? { Status: b.versioning } : {}),
  ),
};
