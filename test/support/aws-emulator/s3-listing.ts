// S3 listings: ListObjectsV2 (prefix, delimiter, start-after, continuation tokens, url encoding)
// and ListObjectVersions (every version and delete marker, key then version markers).

import type { EmulatorContext } from './context.js';
import {
  bucketOrThrow,
  invalidArgument,
  isoMillis,
  owner,
  type S3Input,
  type S3Op,
  xmlReply,
} from './s3-common.js';
import type { Bucket, ObjectVersion } from './s3-store.js';
import { renderElement, renderObject, type S3XmlObject } from './s3-xml.js';

type Entry = { kind: 'object'; name: string; v: ObjectVersion } | { kind: 'prefix'; name: string };

function maxKeys(input: S3Input): number {
  const raw = input.query.get('max-keys');
  if (raw === null) return 1000;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n)) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  }
  // S3 answers at most 1000 whatever more is asked for.
  return Math.min(n, 1000);
}

/** encoding-type=url: S3 encodes keys as a form would (space as +), leaving '/' alone. */
function encoder(input: S3Input): (s: string) => string {
  const type = input.query.get('encoding-type');
  if (type !== null && type !== 'url')
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  if (type !== 'url') return (s) => s;
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** Versions under the prefix, with keys past the delimiter rolled up into common prefixes. */
function entries(versions: ObjectVersion[], prefix: string, delimiter: string): Entry[] {
  const out: Entry[] = [];
  for (const v of versions) {
    if (!v.key.startsWith(prefix)) continue;
    const at = delimiter ? v.key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const common = v.key.slice(0, at + delimiter.length);
      if (out[out.length - 1]?.name !== common) out.push({ kind: 'prefix', name: common });
    } else {
      out.push({ kind: 'object', name: v.key, v });
    }
  }
  return out;
}

function objectXml(
  v: ObjectVersion,
  encode: (s: string) => string,
  withOwner: string | undefined,
): S3XmlObject {
  return {
    Key: encode(v.key),
    LastModified: isoMillis(v.lastModified),
    ETag: v.etag,
    ...(v.checksum ? { ChecksumAlgorithm: v.checksum.algorithm, ChecksumType: 'FULL_OBJECT' } : {}),
    Size: v.body.length,
    StorageClass: 'STANDARD',
    ...(withOwner !== undefined ? { Owner: owner(withOwner) } : {}),
  };
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to S3's error
  }
  throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
}

export const listingOps: Record<string, S3Op> = {
  ListObjectsV2(ctx: EmulatorContext, input) {
    const b: Bucket = bucketOrThrow(ctx, input);
    const q = input.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const max = maxKeys(input);
    const encode = encoder(input);
    const token = q.get('continuation-token');
    const startAfter = q.get('start-after') ?? '';
    const after = token !== null ? decodeToken(token) : startAfter;
    const all = entries(ctx.s3.currentObjects(b), prefix, delimiter).filter((e) => e.name > after);
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    const withOwner = q.get('fetch-owner') === 'true' ? b.ownerAccount : undefined;
    return xmlReply(input, 'ListBucketResult', {
      Name: b.name,
      Prefix: encode(prefix),
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      MaxKeys: max,
      KeyCount: page.length,
      IsTruncated: truncated,
      ...(q.get('encoding-type') === 'url' ? { EncodingType: 'url' } : {}),
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(truncated
        ? {
            NextContinuationToken: Buffer.from(
              JSON.stringify({ after: page[page.length - 1]!.name }),
            ).toString('base64url'),
          }
        : {}),
      ...(startAfter ? { StartAfter: encode(startAfter) } : {}),
      Contents: page.flatMap((e) => (e.kind === 'object' ? [objectXml(e.v, encode, withOwner)] : [])),
      CommonPrefixes: page.flatMap((e) => (e.kind === 'prefix' ? [{ Prefix: encode(e.name) }] : [])),
    });
  },

  ListObjectVersions(ctx, input) {
    const b = bucketOrThrow(ctx, input);
    const q = input.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const keyMarker = q.get('key-marker') ?? '';
    const versionMarker = q.get('version-id-marker');
    if (versionMarker !== null && keyMarker === '') {
      throw invalidArgument(
        'A version-id marker cannot be specified without a key marker.',
        'version-id-marker',
        versionMarker,
      );
    }
    const max = maxKeys(input);
    const encode = encoder(input);
    let all = entries(ctx.s3.allVersions(b), prefix, delimiter);
    if (keyMarker !== '') {
      // Without a version marker, everything of the marker key is skipped; with one, the
      // versions of that key up to and including the marked one.
      const marked =
        versionMarker === null
          ? -1
          : all.findIndex(
              (e) => e.kind === 'object' && e.name === keyMarker && e.v.versionId === versionMarker,
            );
      all = marked >= 0 ? all.slice(marked + 1) : all.filter((e) => e.name > keyMarker);
    }
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    const last = page[page.length - 1];
    const isLatest = (v: ObjectVersion) => b.objects.get(v.key)?.[0] === v;
    const items = page
      .map((e) => {
        if (e.kind === 'prefix') return '';
        const v = e.v;
        const common = {
          Key: encode(v.key),
          VersionId: v.versionId,
          IsLatest: isLatest(v),
          LastModified: isoMillis(v.lastModified),
        };
        return v.deleteMarker
          ? renderElement('DeleteMarker', { ...common, Owner: owner(b.ownerAccount) })
          : renderElement('Version', {
              ...common,
              ETag: v.etag,
              ...(v.checksum ? { ChecksumAlgorithm: v.checksum.algorithm, ChecksumType: 'FULL_OBJECT' } : {}),
              Size: v.body.length,
              StorageClass: 'STANDARD',
              Owner: owner(b.ownerAccount),
            });
      })
      .join('');
    const head: S3XmlObject = {
      Name: b.name,
      Prefix: encode(prefix),
      KeyMarker: encode(keyMarker),
      VersionIdMarker: versionMarker ?? '',
      ...(truncated && last
        ? {
            NextKeyMarker: encode(last.name),
            ...(last.kind === 'object' ? { NextVersionIdMarker: last.v.versionId } : {}),
          }
        : {}),
      MaxKeys: max,
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      IsTruncated: truncated,
      ...(q.get('encoding-type') === 'url' ? { EncodingType: 'url' } : {}),
    };
    const prefixes = page.flatMap((e) =>
      e.kind === 'prefix' ? [renderElement('CommonPrefixes', { Prefix: encode(e.name) })] : [],
    );
    // Versions and delete markers stay interleaved in key and age order, as S3 writes them.
    return xmlReply(input, 'ListVersionsResult', { xml: renderObject(head) + items + prefixes.join('') });
  },
};
