// S3 objects: PutObject (checksums verified, versions kept as the bucket's versioning says),
// GetObject / HeadObject (for tests and the sandbox), DeleteObject and DeleteObjects (delete
// markers in versioned buckets, a version id deletes for good).

import { createHash } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { bucketOrThrow, httpDate, reply, type S3Input, type S3Op, s3Error, xmlReply } from './s3-common.js';
import { readPayload, verifyIntegrity } from './s3-payload.js';
import type { Bucket, ObjectVersion } from './s3-store.js';
import { child, childBool, children, childText, malformedXml, parseXml, type S3XmlObject } from './s3-xml.js';

const MAX_KEY_BYTES = 1024;
const MAX_DELETE = 1000;

function header(input: S3Input, name: string): string | undefined {
  const v = input.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function objectKey(input: S3Input): string {
  const key = input.key ?? '';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw s3Error('KeyTooLongError', 'Your key is too long', 400, {
      Size: Buffer.byteLength(key),
      MaxSizeAllowed: MAX_KEY_BYTES,
    });
  }
  return key;
}

function newVersionId(ctx: EmulatorContext): string {
  return ctx.random.alnum(32);
}

/** Adds a version (or delete marker) as the bucket's versioning state says. */
function store(ctx: EmulatorContext, b: Bucket, v: Omit<ObjectVersion, 'versionId'>): ObjectVersion {
  const versions = b.objects.get(v.key) ?? [];
  // Enabled: every write is a new version. Suspended or never versioned: the write replaces the
  // version whose id is "null" (unversioned buckets have only that one).
  const version: ObjectVersion = { ...v, versionId: b.versioning === 'Enabled' ? newVersionId(ctx) : 'null' };
  const kept = b.versioning === 'Enabled' ? versions : versions.filter((x) => x.versionId !== 'null');
  b.objects.set(v.key, b.versioning === undefined ? [version] : [version, ...kept]);
  return version;
}

interface Deletion {
  versionId?: string;
  deleteMarker?: boolean;
}

/** DeleteObject's semantics, shared with DeleteObjects. */
function deleteOne(ctx: EmulatorContext, b: Bucket, key: string, versionId: string | undefined): Deletion {
  const versions = b.objects.get(key) ?? [];
  if (versionId !== undefined) {
    const target = versions.find((v) => v.versionId === versionId);
    if (!target) return { versionId };
    const rest = versions.filter((v) => v !== target);
    if (rest.length > 0) b.objects.set(key, rest);
    else b.objects.delete(key);
    return { versionId, ...(target.deleteMarker ? { deleteMarker: true } : {}) };
  }
  if (b.versioning === undefined) {
    b.objects.delete(key);
    return {};
  }
  // A versioned bucket keeps the data and puts a delete marker on top, even for a missing key.
  const marker = store(ctx, b, {
    key,
    deleteMarker: true,
    body: Buffer.alloc(0),
    etag: '',
    lastModified: ctx.clock.now(),
    contentType: '',
  });
  return { versionId: marker.versionId, deleteMarker: true };
}

function deletionHeaders(d: Deletion): Record<string, string> {
  return {
    ...(d.versionId !== undefined ? { 'x-amz-version-id': d.versionId } : {}),
    ...(d.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
  };
}

function found(ctx: EmulatorContext, input: S3Input): { b: Bucket; v: ObjectVersion } {
  const b = bucketOrThrow(ctx, input);
  const key = objectKey(input);
  const versions = b.objects.get(key) ?? [];
  const versionId = input.query.get('versionId');
  if (versionId !== null) {
    const v = versions.find((x) => x.versionId === versionId);
    if (!v)
      throw s3Error('NoSuchVersion', 'The specified version does not exist.', 404, {
        Key: key,
        VersionId: versionId,
      });
    if (v.deleteMarker) {
      throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
    return { b, v };
  }
  const latest = versions[0];
  if (!latest || latest.deleteMarker) {
    throw s3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  }
  return { b, v: latest };
}

function objectHeaders(input: S3Input, b: Bucket, v: ObjectVersion): Record<string, string> {
  const wantsChecksum = header(input, 'x-amz-checksum-mode') === 'ENABLED';
  return {
    'content-type': v.contentType,
    etag: v.etag,
    'last-modified': httpDate(v.lastModified),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': b.encryption.algorithm,
    ...(v.versionId !== 'null' ? { 'x-amz-version-id': v.versionId } : {}),
    ...(wantsChecksum && v.checksum
      ? {
          [`x-amz-checksum-${v.checksum.algorithm.toLowerCase()}`]: v.checksum.value,
          'x-amz-checksum-type': 'FULL_OBJECT',
        }
      : {}),
  };
}

export const objectOps: Record<string, S3Op> = {
  PutObject(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    const key = objectKey(input);
    if (header(input, 'x-amz-copy-source') !== undefined) {
      throw s3Error('NotImplemented', 'CopyObject is not emulated.', 501);
    }
    const payload = readPayload(input.body, input.headers);
    const { checksum, hasIntegrityHeader } = verifyIntegrity(input.headers, payload);
    const etag = `"${createHash('md5').update(payload.body).digest('hex')}"`;
    const v = store(ctx, b, {
      key,
      deleteMarker: false,
      body: payload.body,
      etag,
      lastModified: ctx.clock.now(),
      contentType: header(input, 'content-type') ?? 'binary/octet-stream',
      checksum,
    });
    return reply(input, 200, {
      etag,
      'x-amz-server-side-encryption': b.encryption.algorithm,
      ...(v.versionId !== 'null' ? { 'x-amz-version-id': v.versionId } : {}),
      ...(hasIntegrityHeader && checksum.algorithm !== 'CRC64NVME'
        ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value }
        : {}),
    });
  },

  GetObject(ctx, input) {
    const { b, v } = found(ctx, input);
    return reply(input, 200, objectHeaders(input, b, v), v.body);
  },

  HeadObject(ctx, input) {
    const { b, v } = found(ctx, input);
    // The body sets Content-Length; Node leaves it out of a HEAD answer.
    return reply(input, 200, objectHeaders(input, b, v), v.body);
  },

  DeleteObject(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    const d = deleteOne(ctx, b, objectKey(input), input.query.get('versionId') ?? undefined);
    return reply(input, 204, deletionHeaders(d));
  },

  DeleteObjects(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    const payload = readPayload(input.body, input.headers);
    const { hasIntegrityHeader } = verifyIntegrity(input.headers, payload);
    if (!hasIntegrityHeader) {
      throw s3Error('InvalidRequest', 'Missing required header for this request: Content-MD5', 400);
    }
    const doc = parseXml(payload.body.toString('utf8'));
    const objects = children(doc, 'Object');
    if (doc.name !== 'Delete' || objects.length === 0 || objects.length > MAX_DELETE) throw malformedXml();
    const quiet = childBool(doc, 'Quiet') ?? false;
    const deleted: S3XmlObject[] = [];
    const errors: S3XmlObject[] = [];
    for (const o of objects) {
      const key = childText(o, 'Key');
      if (key === undefined || !child(o, 'Key')) throw malformedXml();
      const versionId = childText(o, 'VersionId');
      if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
        errors.push({ Key: key, Code: 'KeyTooLongError', Message: 'Your key is too long' });
        continue;
      }
      const d = deleteOne(ctx, b, key, versionId);
      // A delete marker (made now, or the one deleted by id) is reported with its version id.
      deleted.push({
        Key: key,
        ...(versionId !== undefined ? { VersionId: versionId } : {}),
        ...(d.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: d.versionId } : {}),
      });
    }
    return xmlReply(input, 'DeleteResult', { ...(quiet ? {} : { Deleted: deleted }), Error: errors });
  },
};
