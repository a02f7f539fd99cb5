import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliJson, cliList as list, runAwsCli } from '../support/aws-emulator/aws-cli.js';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';

// The AWS CLI (botocore: another serializer, parser and signer than the JS SDK's) must read every
// S3 answer the emulator gives. It uses path-style addressing on its own for an IP address endpoint.

let emu: RunningEmulator;
let dir: string;

const s3api = (...args: string[]) => runAwsCli(emu, ['s3api', ...args]);

async function ok(...args: string[]): Promise<CliJson> {
  const r = await s3api(...args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.json;
}

async function fails(code: string, ...args: string[]): Promise<void> {
  const r = await s3api(...args);
  expect(r.code, args.join(' ')).not.toBe(0);
  expect(r.stderr, args.join(' ')).toContain(`(${code})`);
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  dir = mkdtempSync(join(tmpdir(), 'gitops-s3-cli-'));
  writeFileSync(join(dir, 'model.bin'), 'weights v1');
});
afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the AWS CLI against the S3 emulation', () => {
  it('reads every answer of the bucket operations', { timeout: 120_000 }, async () => {
    const B = ['--bucket', 'cli-artifacts'];
    await fails('IllegalLocationConstraintException', 'create-bucket', ...B);
    expect(
      await ok('create-bucket', ...B, '--create-bucket-configuration', 'LocationConstraint=us-west-2'),
    ).toEqual({ Location: '/cli-artifacts' });
    await fails(
      'BucketAlreadyOwnedByYou',
      'create-bucket',
      ...B,
      '--create-bucket-configuration',
      'LocationConstraint=us-west-2',
    );
    expect(await ok('head-bucket', ...B)).toMatchObject({ BucketRegion: 'us-west-2' });
    const buckets = await ok('list-buckets');
    expect(list<{ Name: string }>(buckets, 'Buckets').map((b) => b.Name)).toEqual(['cli-artifacts']);
    expect(await ok('get-bucket-location', ...B)).toEqual({ LocationConstraint: 'us-west-2' });

    await fails('NoSuchTagSet', 'get-bucket-tagging', ...B);
    await ok('put-bucket-tagging', ...B, '--tagging', 'TagSet=[{Key=gitops.dev/cluster,Value=research}]');
    expect(await ok('get-bucket-tagging', ...B)).toEqual({
      TagSet: [{ Key: 'gitops.dev/cluster', Value: 'research' }],
    });
    await ok('delete-bucket-tagging', ...B);

    const blocked = await ok('get-public-access-block', ...B);
    expect(blocked.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
    await ok(
      'put-public-access-block',
      ...B,
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false',
    );
    await ok('delete-public-access-block', ...B);
    await fails('NoSuchPublicAccessBlockConfiguration', 'get-public-access-block', ...B);

    const enc = await ok('get-bucket-encryption', ...B);
    expect(enc.ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
    await ok(
      'put-bucket-encryption',
      ...B,
      '--server-side-encryption-configuration',
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}',
    );
    await ok('delete-bucket-encryption', ...B);

    expect(await ok('get-bucket-versioning', ...B)).toEqual({});
    await ok('put-bucket-versioning', ...B, '--versioning-configuration', 'Status=Enabled');
    expect(await ok('get-bucket-versioning', ...B)).toEqual({ Status: 'Enabled' });
  });

  it('reads every answer of the object operations', { timeout: 120_000 }, async () => {
    const B = ['--bucket', 'cli-artifacts'];
    const put = await ok('put-object', ...B, '--key', 'models/a b.bin', '--body', join(dir, 'model.bin'));
    expect(put).toMatchObject({ ServerSideEncryption: 'AES256' });
    expect(put.VersionId).toEqual(expect.any(String));
    await ok('put-object', ...B, '--key', 'models/a b.bin', '--body', join(dir, 'model.bin'));
    // The CLI asks for url-encoded keys and decodes them.
    const listed = await ok('list-objects-v2', ...B, '--prefix', 'models/');
    expect(list<{ Key: string; Size: number }>(listed, 'Contents').map((c) => [c.Key, c.Size])).toEqual([
      ['models/a b.bin', 10],
    ]);
    const removed = await ok('delete-object', ...B, '--key', 'models/a b.bin');
    expect(removed).toMatchObject({ DeleteMarker: true });
    const versions = await ok('list-object-versions', ...B);
    expect(list(versions, 'Versions')).toHaveLength(2);
    expect(list<{ IsLatest: boolean }>(versions, 'DeleteMarkers')[0]?.IsLatest).toBe(true);
    await fails('BucketNotEmpty', 'delete-bucket', ...B);

    type Version = { Key: string; VersionId: string };
    const all = [...list<Version>(versions, 'Versions'), ...list<Version>(versions, 'DeleteMarkers')].map(
      (v) => ({
        Key: v.Key,
        VersionId: v.VersionId,
      }),
    );
    const deleted = await ok('delete-objects', ...B, '--delete', JSON.stringify({ Objects: all }));
    expect(list(deleted, 'Deleted')).toHaveLength(3);
    await ok('delete-bucket', ...B);
    await fails('NoSuchBucket', 'get-bucket-location', ...B);
  });

  it('stores the tags botocore sends inside CreateBucketConfiguration, checked like PutBucketTagging', {
    timeout: 60_000,
  }, async () => {
    const B = ['--bucket', 'cli-tagged-at-creation'];
    const config = (tags: string) => `{"LocationConstraint":"us-west-2","Tags":[${tags}]}`;
    await fails(
      'InvalidTag',
      'create-bucket',
      ...B,
      '--create-bucket-configuration',
      config('{"Key":"aws:owner","Value":"x"}'),
    );
    await fails('NoSuchBucket', 'get-bucket-location', ...B);
    await ok(
      'create-bucket',
      ...B,
      '--create-bucket-configuration',
      config('{"Key":"gitops.dev/cluster","Value":"research"},{"Key":"team","Value":"ml"}'),
    );
    expect(await ok('get-bucket-tagging', ...B)).toEqual({
      TagSet: [
        { Key: 'gitops.dev/cluster', Value: 'research' },
        { Key: 'team', Value: 'ml' },
      ],
    });
    await ok('delete-bucket', ...B);
  });
});
