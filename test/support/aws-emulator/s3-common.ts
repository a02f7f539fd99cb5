// Shared pieces of the S3 operations: the request as the operations see it, S3's error codes and
// answers, bucket lookup with S3's ownership rules, and the account's canonical owner.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import type { Caller } from './identities.js';
import type { HttpReply } from './protocol.js';
import type { Bucket } from './s3-store.js';
import { type S3XmlObject, s3Document } from './s3-xml.js';
import { escapeXml } from './xml.js';

export interface S3Input {
  bucket: string;
  /** Decoded object key; undefined for bucket operations. */
  key?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw request body (aws-chunked still encoded). */
  body: Buffer;
  caller: Caller;
  requestId: string;
}

export type S3Op = (ctx: EmulatorContext, input: S3Input) => HttpReply;

export const s3Error = (
  code: string,
  message: string,
  status: number,
  fields: Record<string, unknown> = {},
) => new AwsError(code, message, status, fields);

export const noSuchBucket = (bucket: string) =>
  s3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
export const invalidArgument = (message: string, name?: string, value?: string) =>
  s3Error('InvalidArgument', message, 400, {
    ...(name !== undefined ? { ArgumentName: name } : {}),
    ...(value !== undefined ? { ArgumentValue: value } : {}),
  });

/** S3's 64-hex canonical user id; the emulator derives one per account. */
export function canonicalId(account: string): string {
  return createHash('sha256').update(`s3-canonical-user:${account}`).digest('hex');
}

export function owner(account: string): S3XmlObject {
  return { ID: canonicalId(account), DisplayName: `account-${account}` };
}

/** S3's request ids: x-amz-request-id (16 hex) and x-amz-id-2 (an opaque base64 host id). */
export function s3Ids(requestId: string): Record<string, string> {
  const hex = requestId.replace(/-/g, '').toUpperCase();
  return {
    'x-amz-request-id': hex.slice(0, 16),
    'x-amz-id-2': Buffer.from(createHash('sha256').update(requestId).digest()).toString('base64'),
  };
}

export function reply(
  input: Pick<S3Input, 'requestId'>,
  status: number,
  headers: Record<string, string> = {},
  body: string | Buffer = '',
): HttpReply {
  return { status, headers: { ...s3Ids(input.requestId), ...headers }, body };
}

export function xmlReply(
  input: Pick<S3Input, 'requestId'>,
  root: string,
  content: S3XmlObject | string | { xml: string },
): HttpReply {
  return reply(input, 200, { 'content-type': 'application/xml' }, s3Document(root, content));
}

/** The bucket, which must exist and belong to the caller's account (else 403, as S3 answers). */
export function bucketOrThrow(ctx: EmulatorContext, input: S3Input): Bucket {
  const b = ctx.s3.buckets.get(input.bucket);
  if (!b) throw noSuchBucket(input.bucket);
  if (b.ownerAccount !== input.caller.accountId) {
    throw s3Error('AccessDenied', 'Access Denied', 403);
  }
  return b;
}

/** S3's error document: <Error><Code/><Message/>, the error's own members, then the ids. */
export function s3ErrorReply(requestId: string, err: AwsError): HttpReply {
  const fields = Object.entries(err.fields)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join('');
  const ids = s3Ids(requestId);
  return {
    status: err.status,
    headers: { 'content-type': 'application/xml', ...ids },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(err.code)}</Code>` +
      `<Message>${escapeXml(err.message)}</Message>${fields}` +
      `<RequestId>${ids['x-amz-request-id']}</RequestId><HostId>${ids['x-amz-id-2']}</HostId></Error>`,
  };
}

/** Timestamps in S3's XML: ISO 8601 with milliseconds. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Timestamps in S3's headers (Last-Modified): RFC 7231. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
