// S3 (rest-xml protocol), path-style addressing only: /{bucket} and /{bucket}/{key}. The operation
// is chosen by method, by whether a key is present and by the subresource in the query
// (?tagging, ?versions, ?delete, ...), as S3's REST API defines it.

import { createHash } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import { bucketConfigOps } from './s3-bucket-config.js';
import { bucketOps } from './s3-buckets.js';
import { type S3Input, type S3Op, s3Error } from './s3-common.js';
import { listingOps } from './s3-listing.js';
import { objectOps } from './s3-objects.js';
import { isChunked } from './s3-payload.js';
import type { AwsRequest, ServiceModule } from './service.js';

const OPS: Record<string, S3Op> = { ...bucketOps, ...bucketConfigOps, ...objectOps, ...listingOps };

/** Bucket subresources: [method, subresource, operation]. */
const BUCKET_ROUTES: [string, string, string][] = [
  ['PUT', 'tagging', 'PutBucketTagging'],
  ['GET', 'tagging', 'GetBucketTagging'],
  ['DELETE', 'tagging', 'DeleteBucketTagging'],
  ['PUT', 'publicAccessBlock', 'PutPublicAccessBlock'],
  ['GET', 'publicAccessBlock', 'GetPublicAccessBlock'],
  ['DELETE', 'publicAccessBlock', 'DeletePublicAccessBlock'],
  ['PUT', 'encryption', 'PutBucketEncryption'],
  ['GET', 'encryption', 'GetBucketEncryption'],
  ['DELETE', 'encryption', 'DeleteBucketEncryption'],
  ['PUT', 'versioning', 'PutBucketVersioning'],
  ['GET', 'versioning', 'GetBucketVersioning'],
  ['GET', 'location', 'GetBucketLocation'],
  ['GET', 'versions', 'ListObjectVersions'],
  ['POST', 'delete', 'DeleteObjects'],
];
const BUCKET_PLAIN: Record<string, string> = {
  PUT: 'CreateBucket',
  HEAD: 'HeadBucket',
  DELETE: 'DeleteBucket',
};
const OBJECT_PLAIN: Record<string, string> = {
  PUT: 'PutObject',
  GET: 'GetObject',
  HEAD: 'HeadObject',
  DELETE: 'DeleteObject',
};
/** Query parameters that select an operation rather than parameterize it. */
const SUBRESOURCES = new Set([
  'acl',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'tagging',
  'versioning',
  'versions',
  'website',
  'delete',
  'uploads',
  'uploadId',
  'attributes',
  'legal-hold',
  'retention',
  'restore',
  'torrent',
  'select',
  'accelerate',
]);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw s3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
}

function operationOf(method: string, hasKey: boolean, query: URLSearchParams): string {
  const sub = [...query.keys()].filter((k) => SUBRESOURCES.has(k));
  if (sub.length > 1)
    throw s3Error('InvalidRequest', `Conflicting query string parameters: ${sub.join(', ')}`, 400);
  const name = sub[0];
  const unsupported = () =>
    s3Error(
      'NotImplemented',
      `The AWS emulator does not emulate ${method} with ${name ? `?${name}` : 'this request'}.`,
      501,
    );
  if (hasKey) {
    if (name !== undefined) throw unsupported();
    const op = OBJECT_PLAIN[method];
    if (!op)
      throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    return op;
  }
  if (name !== undefined) {
    const route = BUCKET_ROUTES.find(([m, s]) => m === method && s === name);
    if (!route) throw unsupported();
    return route[2];
  }
  if (method === 'GET') {
    if (query.get('list-type') === '2') return 'ListObjectsV2';
    throw s3Error('NotImplemented', 'ListObjects (version 1) is not emulated; use ListObjectsV2.', 501);
  }
  const op = BUCKET_PLAIN[method];
  if (!op)
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  return op;
}

function header(req: AwsRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * S3 signs with x-amz-content-sha256 and checks it: required on header-signed requests, and a
 * declared hash must be the body's (STREAMING-* and UNSIGNED-PAYLOAD are declarations, not hashes).
 */
function checkContentSha256(req: AwsRequest): void {
  if (header(req, 'authorization') === undefined) return;
  const declared = header(req, 'x-amz-content-sha256');
  if (declared === undefined) {
    throw s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
  }
  if (/^[0-9a-f]{64}$/.test(declared) && !isChunked(req.headers)) {
    const actual = createHash('sha256').update(req.body).digest('hex');
    if (actual !== declared) {
      throw s3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: actual },
      );
    }
  } else if (
    !/^[0-9a-f]{64}$/.test(declared) &&
    declared !== 'UNSIGNED-PAYLOAD' &&
    !declared.startsWith('STREAMING-')
  ) {
    throw s3Error(
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA-256 hex digest',
      400,
    );
  }
}

export function s3Service(ctx: EmulatorContext): ServiceModule {
  return {
    name: 's3',
    protocol: 'rest-xml',
    resolve(req) {
      const path = req.rawPath.replace(/^\/+/, '');
      const slash = path.indexOf('/');
      const bucket = decode(slash < 0 ? path : path.slice(0, slash));
      const rawKey = slash < 0 ? '' : path.slice(slash + 1);
      const key = rawKey === '' ? undefined : decode(rawKey);
      let operation: string;
      if (bucket === '') {
        if (req.method !== 'GET')
          throw s3Error(
            'MethodNotAllowed',
            'The specified method is not allowed against this resource.',
            405,
          );
        operation = 'ListBuckets';
      } else {
        operation = operationOf(req.method, key !== undefined, req.query);
      }
      const params: Record<string, string> = {
        ...(bucket ? { Bucket: bucket } : {}),
        ...(key !== undefined ? { Key: key } : {}),
      };
      for (const [k, v] of req.query) if (k !== 'x-id' && !k.startsWith('X-Amz-')) params[k] = v;
      return {
        operation,
        params,
        run: () => {
          checkContentSha256(req);
          const input: S3Input = {
            bucket,
            ...(key !== undefined ? { key } : {}),
            query: req.query,
            headers: req.headers,
            body: req.body,
            caller: req.caller,
            requestId: req.requestId,
          };
          const op = OPS[operation];
          if (!op) throw new AwsError('InternalError', `no handler for ${operation}`, 500);
          return op(ctx, input);
        },
      };
    },
  };
}
