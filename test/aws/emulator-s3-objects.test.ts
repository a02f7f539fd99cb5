import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/protocol-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { s3ClientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let s3: S3Client;

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: S3ServiceException) => e,
  );
}

async function bucket(name: string, versioned = false): Promise<void> {
  await s3.send(
    new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }),
  );
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
}

async function text(bucketName: string, key: string, versionId?: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key, VersionId: versionId }));
  return out.Body!.transformToString();
}

type Middleware = Parameters<S3Client['middlewareStack']['addRelativeTo']>[0];

/** Runs one command with a request header changed after the SDK built it, before it signs. */
async function withHeader(
  client: S3Client,
  edit: (h: Record<string, string>) => void,
  run: () => Promise<unknown>,
) {
  const name = `edit-${Math.random()}`;
  const middleware =
    (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => {
      if (HttpRequest.isInstance(args.request)) edit(args.request.headers);
      return next(args);
    };
  client.middlewareStack.addRelativeTo(middleware as unknown as Middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name,
  });
  try {
    return await run();
  } finally {
    client.middlewareStack.remove(name);
  }
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  s3 = new S3Client(s3ClientConfig(emu));
  await bucket('plain');
  await bucket('history', true);
});
afterAll(async () => {
  await emu.stop();
});

describe('S3 objects', () => {
  it('PutObject from a string, a buffer and a stream (aws-chunked with a checksum trailer); GetObject gives them back', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'plain', Key: 'notes/a b+c.txt', Body: 'hello' }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(put.ChecksumCRC32).toBe('NhCmhg==');
    expect(put.VersionId).toBeUndefined();
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'bin', Body: Buffer.from([0, 255, 1, 254]) }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'plain',
        Key: 'streamed',
        Body: Readable.from([Buffer.from('model '), Buffer.from('weights')]),
        ContentLength: 13,
      }),
    );
    expect(await text('plain', 'notes/a b+c.txt')).toBe('hello');
    expect(await text('plain', 'streamed')).toBe('model weights');
    const bin = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'bin' }));
    expect(Buffer.from(await bin.Body!.transformToByteArray())).toEqual(Buffer.from([0, 255, 1, 254]));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'streamed' }));
    expect([head.ContentLength, head.ServerSideEncryption]).toEqual([13, 'AES256']);
    const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'nothing' })));
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
  });

  it('refuses a body that does not match its checksum or Content-MD5 (BadDigest)', async () => {
    const crc = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'plain', Key: 'bad', Body: 'hello', ChecksumCRC32: 'AAAAAA==' }),
      ),
    );
    expect(crc.name).toBe('BadDigest');
    expect(crc.message).toBe('The CRC32 you specified did not match the calculated checksum.');
    const md5 = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'plain',
          Key: 'bad',
          Body: 'hello',
          ContentMD5: 'XrY7u+Ae7tCTyyK7j1rNww==',
        }),
      ),
    );
    expect(md5.name).toBe('BadDigest');
    const sha = await errorOf(
      withHeader(
        s3,
        (h) => {
          h['x-amz-content-sha256'] = 'a'.repeat(64);
        },
        () => s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'bad', Body: 'hello' })),
      ),
    );
    expect(sha.name).toBe('XAmzContentSHA256Mismatch');
    expect(
      emu
        .state()
        .s3.buckets.find((b) => b.Name === 'plain')
        ?.Objects.map((o) => o.Key),
    ).not.toContain('bad');
    const long = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k'.repeat(1025), Body: 'x' })),
    );
    expect(long.name).toBe('KeyTooLongError');
  });

  it('ListObjectsV2: prefix, delimiter, start-after and continuation tokens', async () => {
    await bucket('listing');
    const keys = ['a.txt', 'data/1.csv', 'data/2.csv', 'data/raw/3.csv', 'models/m1/weights', 'z.txt'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'z.txt']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/', 'models/']);
    expect(top.KeyCount).toBe(4);
    const data = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'data/', Delimiter: '/' }),
    );
    expect(data.Contents?.map((c) => [c.Key, c.Size])).toEqual([
      ['data/1.csv', 10],
      ['data/2.csv', 10],
    ]);
    expect(data.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/raw/']);
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'data/raw/3.csv' }),
    );
    expect(after.Contents?.map((c) => c.Key)).toEqual(['models/m1/weights', 'z.txt']);
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 4 }, { Bucket: 'listing' })) {
      pages.push((page.Contents ?? []).map((c) => c.Key!));
    }
    expect(pages).toEqual([keys.slice(0, 4), keys.slice(4)]);
    const bad = await errorOf(
      s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'garbage' })),
    );
    expect(bad.name).toBe('InvalidArgument');
    const owner = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', FetchOwner: true, MaxKeys: 1 }),
    );
    expect(owner.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(owner.IsTruncated).toBe(true);
  });

  it('DeleteObject: gone for good in an unversioned bucket, answered 204 for a missing key too', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'temp', Body: 'x' }));
    const out = await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'temp' }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect(out.DeleteMarker).toBeUndefined();
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'temp' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'temp' }))).rejects.toThrow(
      'The specified key does not exist.',
    );
  });
});

describe('S3 versions', () => {
  it('keeps every version, puts delete markers on top, and deletes a version by id for good', async () => {
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'history', Key: 'model', Body: 'one' })))
      .VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: 'history', Key: 'model', Body: 'two' })))
      .VersionId!;
    expect(v1).not.toBe(v2);
    expect(await text('history', 'model')).toBe('two');
    expect(await text('history', 'model', v1)).toBe('one');

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'history', Key: 'model' }));
    expect(marker.DeleteMarker).toBe(true);
    const gone = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'history', Key: 'model' })));
    expect(gone.name).toBe('NoSuchKey');

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history' }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2, false],
      [v1, false],
    ]);
    expect(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);

    // Deleting the marker by its id brings the newest version back.
    const unmarked = await s3.send(
      new DeleteObjectCommand({ Bucket: 'history', Key: 'model', VersionId: marker.VersionId! }),
    );
    expect([unmarked.DeleteMarker, unmarked.VersionId]).toEqual([true, marker.VersionId]);
    expect(await text('history', 'model')).toBe('two');
    await s3.send(new DeleteObjectCommand({ Bucket: 'history', Key: 'model', VersionId: v2 }));
    expect(await text('history', 'model')).toBe('one');
  });

  it('pages versions with key and version id markers', async () => {
    await bucket('paged', true);
    for (const body of ['1', '2', '3'])
      await s3.send(new PutObjectCommand({ Bucket: 'paged', Key: 'k', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: 'paged', Key: 'l', Body: 'x' }));
    const first = await s3.send(new ListObjectVersionsCommand({ Bucket: 'paged', MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.NextKeyMarker).toBe('k');
    const rest = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: 'paged',
        KeyMarker: first.NextKeyMarker!,
        VersionIdMarker: first.NextVersionIdMarker!,
      }),
    );
    expect([...first.Versions!, ...rest.Versions!].map((v) => v.Key)).toEqual(['k', 'k', 'k', 'l']);
    expect(rest.IsTruncated).toBe(false);
  });

  it('DeleteObjects: batches with version ids, quiet mode, and a checksum required', async () => {
    await bucket('batch', true);
    const ids: string[] = [];
    for (const Key of ['a', 'b', 'c']) {
      ids.push((await s3.send(new PutObjectCommand({ Bucket: 'batch', Key, Body: Key }))).VersionId!);
    }
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'batch',
        Delete: { Objects: [{ Key: 'a', VersionId: ids[0] }, { Key: 'b' }] },
      }),
    );
    expect(out.Deleted?.[0]).toEqual({ Key: 'a', VersionId: ids[0] });
    expect(out.Deleted?.[1]).toMatchObject({ Key: 'b', DeleteMarker: true });
    expect(out.Deleted?.[1]?.DeleteMarkerVersionId).toBeTruthy();
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'batch',
        Delete: { Objects: [{ Key: 'c', VersionId: ids[2] }], Quiet: true },
      }),
    );
    expect(quiet.Deleted).toBeUndefined();
    const left = emu.state().s3.buckets.find((b) => b.Name === 'batch')!.Objects;
    expect(left.map((o) => [o.Key, o.DeleteMarker])).toEqual([
      ['b', true],
      ['b', false],
    ]);

    const unchecked = await errorOf(
      withHeader(
        s3,
        (h) => {
          for (const k of Object.keys(h))
            if (k.startsWith('x-amz-checksum-') || k === 'content-md5') delete h[k];
        },
        () => s3.send(new DeleteObjectsCommand({ Bucket: 'batch', Delete: { Objects: [{ Key: 'b' }] } })),
      ),
    );
    expect(unchecked.name).toBe('InvalidRequest');
    const tooMany = await errorOf(
      s3.send(
        new DeleteObjectsCommand({
          Bucket: 'batch',
          Delete: { Objects: Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` })) },
        }),
      ),
    );
    expect(tooMany.name).toBe('MalformedXML');
  });
});
