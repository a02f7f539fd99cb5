// S3 request payloads: the aws-chunked encoding clients use to stream an upload (with the checksum
// in a trailer), and the integrity headers S3 checks (Content-MD5 and the x-amz-checksum-*
// family). A mismatch is S3's BadDigest; S3 stores the checksum and hands it back on request.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsError } from './errors.js';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Payload {
  body: Buffer;
  trailers: Record<string, string>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function isChunked(headers: IncomingHttpHeaders): boolean {
  return (
    (header(headers, 'content-encoding') ?? '').split(',').some((e) => e.trim() === 'aws-chunked') ||
    (header(headers, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-')
  );
}

const incomplete = () => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);

/**
 * Decodes `<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`. Chunk
 * signatures are read but not verified (the SDK streams unsigned chunks with a checksum trailer).
 */
export function decodeChunked(raw: Buffer, headers: IncomingHttpHeaders): Payload {
  const parts: Buffer[] = [];
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw incomplete();
    const s = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return s;
  };
  for (;;) {
    const size = Number.parseInt(line().split(';')[0]!, 16);
    if (!Number.isInteger(size) || size < 0) throw incomplete();
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw incomplete();
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const trailers: Record<string, string> = {};
  while (at < raw.length) {
    const t = line();
    if (t === '') break;
    const colon = t.indexOf(':');
    if (colon > 0) trailers[t.slice(0, colon).trim().toLowerCase()] = t.slice(colon + 1).trim();
  }
  const body = Buffer.concat(parts);
  const declared = header(headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== body.length) throw incomplete();
  return { body, trailers };
}

export function readPayload(raw: Buffer, headers: IncomingHttpHeaders): Payload {
  return isChunked(headers) ? decodeChunked(raw, headers) : { body: raw, trailers: {} };
}

let crc32cTable: Uint32Array | undefined;
function crc32c(data: Buffer): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      crc32cTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crc32cTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

let crc64Table: bigint[] | undefined;
/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), as S3 defines it. */
function crc64nvme(data: Buffer): Buffer {
  const mask = 0xffffffffffffffffn;
  if (!crc64Table) {
    crc64Table = [];
    for (let i = 0n; i < 256n; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ 0x9a6c9329ac4bc9b5n : c >> 1n;
      crc64Table.push(c);
    }
  }
  let crc = mask;
  for (const byte of data) crc = crc64Table[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE((crc ^ mask) & mask);
  return out;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function checksumOf(algorithm: ChecksumAlgorithm, body: Buffer): string {
  switch (algorithm) {
    case 'CRC32':
      return uint32(crc32(body)).toString('base64');
    case 'CRC32C':
      return uint32(crc32c(body)).toString('base64');
    case 'CRC64NVME':
      return crc64nvme(body).toString('base64');
    case 'SHA1':
      return createHash('sha1').update(body).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(body).digest('base64');
  }
}

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

/**
 * Checks Content-MD5 and every x-amz-checksum-* header or trailer against the body; answers the
 * checksum S3 keeps with the object (the one the client sent, or CRC64NVME as S3 computes itself).
 */
export function verifyIntegrity(
  headers: IncomingHttpHeaders,
  payload: Payload,
): { checksum: Checksum; hasIntegrityHeader: boolean } {
  const md5 = header(headers, 'content-md5');
  if (md5 !== undefined) {
    const given = Buffer.from(md5, 'base64');
    if (given.length !== 16 || given.toString('base64') !== md5) {
      throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
    }
    if (!given.equals(createHash('md5').update(payload.body).digest())) {
      throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
  }
  let sent: Checksum | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const value = header(headers, name) ?? payload.trailers[name];
    if (value === undefined) continue;
    if (value !== checksumOf(algorithm, payload.body)) {
      throw new AwsError(
        'BadDigest',
        `The ${algorithm} you specified did not match the calculated checksum.`,
        400,
      );
    }
    sent ??= { algorithm, value };
  }
  return {
    checksum: sent ?? { algorithm: 'CRC64NVME', value: checksumOf('CRC64NVME', payload.body) },
    hasIntegrityHeader: md5 !== undefined || sent !== undefined,
  };
}
