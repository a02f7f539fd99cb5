// The profile's S3 buckets against the emulator with the real S3 client: created in the cluster's
// region with our tags, encryption, public access block and versioning; a re-run changes nothing;
// settings changed by hand are put back; a bucket of our name that is not ours is refused; teardown
// removes every version and delete marker, or keeps the bucket with --keep-data, and never touches
// another cluster's.
import {
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketsStatus } from '../../src/integrations/aws/bucket-status.js';
import { bucketsTeardownStep } from '../../src/integrations/aws/bucket-teardown.js';
import { bucketStep } from '../../src/integrations/aws/buckets.js';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { type ClusterBucket, clusterBucketName } from '../../src/spec/bucket.js';
import type { ClusterSpec } from '../../src/spec/schema.js';
import { runAwsCli } from '../support/aws-emulator/aws-cli.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { s3ClientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, run, startEmulator } from './fixtures.js';

const ACCOUNT = '123456789012';

function bucketOf(spec: ClusterSpec, logical = 'mlflow-artifacts'): ClusterBucket {
  return {
    logical,
    name: clusterBucketName(ACCOUNT, spec.region, spec.name, logical),
    variable: 'mlflowArtifactsBucket',
  };
}

const MUTATING = /^(Create|Put|Delete)/;

describe('S3 buckets of a profile', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let s3: S3Client;
  const spec = mlSpec('research');
  const bucket = bucketOf(spec);
  const provision = (b: ClusterBucket = bucket, s: ClusterSpec = spec) =>
    run('provision', [bucketStep(s, aws, b)]);
  const stored = (name = bucket.name) => emu.state().s3.buckets.find((b) => b.Name === name);

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    s3 = new S3Client(s3ClientConfig(emu));
  });
  afterAll(async () => {
    s3.destroy();
    await emu.stop();
  });

  it('creates the bucket in the region, tagged in the same call, encrypted, private and versioned', async () => {
    const report = expectOk(await provision());
    expect(report.steps[0]?.result).toBe('created');
    const b = stored()!;
    expect(b.Region).toBe('us-west-2');
    expect(Object.fromEntries((b.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      'gitops.dev/cluster': 'research',
      'gitops.dev/managed-by': 'gitops',
      'gitops.dev/bucket': 'mlflow-artifacts',
      team: 'research',
    });
    expect(b.PublicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(b.Encryption.algorithm).toBe('AES256');
    expect(b.Versioning).toBe('Enabled');
    // One CreateBucket carrying the tags: no PutBucketTagging, so no moment without them.
    const create = emu.calls({ service: 's3', operation: 'CreateBucket' });
    expect(create).toHaveLength(1);
    expect(emu.calls({ service: 's3', operation: 'PutBucketTagging' })).toEqual([]);
    // The AWS CLI (botocore) reads the same tags and settings back.
    const tags = await runAwsCli(emu, ['s3api', 'get-bucket-tagging', '--bucket', bucket.name]);
    expect(tags.code).toBe(0);
    expect(tags.json['TagSet']).toEqual(
      expect.arrayContaining([{ Key: 'gitops.dev/cluster', Value: 'research' }]),
    );
    const location = await runAwsCli(emu, ['s3api', 'get-bucket-location', '--bucket', bucket.name]);
    expect(location.json['LocationConstraint']).toBe('us-west-2');
  });

  it('a re-run observes the bucket as wanted and changes nothing', async () => {
    const before = emu.calls({ service: 's3' }).length;
    const report = expectOk(await provision());
    expect(report.steps[0]?.result).toBe('unchanged');
    const calls = emu.calls({ service: 's3' }).slice(before);
    expect(calls.filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('puts back settings changed by hand, keeping tags the team added', async () => {
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket.name }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket.name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket.name,
        VersioningConfiguration: { Status: 'Suspended' },
      }),
    );
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bucket.name,
        Tagging: {
          TagSet: [
            { Key: 'gitops.dev/cluster', Value: 'research' },
            { Key: 'gitops.dev/managed-by', Value: 'gitops' },
            { Key: 'team', Value: 'someone-else' },
            { Key: 'cost-center', Value: '42' },
          ],
        },
      }),
    );
    // status sees the drift from AWS alone (the bucket found by its tags)...
    const drifted = (await bucketsStatus(aws, 'research')).buckets;
    expect(drifted).toEqual([
      expect.objectContaining({
        name: bucket.name,
        encrypted: false,
        publicAccessBlocked: false,
        versioned: false,
      }),
    ]);
    expect(drifted[0]?.problems).toHaveLength(3);
    // ... and a re-run puts it back.
    const report = expectOk(await provision());
    expect(report.steps[0]?.result).toBe('updated');
    expect(report.steps[0]?.summary).toContain('block all public access');
    const b = stored()!;
    expect(Object.values(b.PublicAccessBlock ?? {})).toEqual([true, true, true, true]);
    expect(b.Encryption.algorithm).toBe('AES256');
    expect(b.Versioning).toBe('Enabled');
    const tags = Object.fromEntries((b.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      team: 'research',
      'gitops.dev/bucket': 'mlflow-artifacts',
      'cost-center': '42',
    });
    expect(expectOk(await provision()).steps[0]?.result).toBe('unchanged');
    expect((await bucketsStatus(aws, 'research')).buckets).toEqual([
      expect.objectContaining({
        logical: 'mlflow-artifacts',
        encrypted: true,
        publicAccessBlocked: true,
        versioned: true,
        problems: [],
      }),
    ]);
  });

  it('refuses a bucket of its name that is not tagged as ours, and changes nothing in it', async () => {
    const other = mlSpec('squatted');
    const b = bucketOf(other);
    await s3.send(
      new (await import('@aws-sdk/client-s3')).CreateBucketCommand({
        Bucket: b.name,
        CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
      }),
    );
    const before = emu.calls({ service: 's3' }).length;
    const report = await provision(b, other);
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('GITOPS_CONFLICT');
    expect(report.error?.message).toContain(`S3 bucket ${b.name}`);
    const calls = emu.calls({ service: 's3' }).slice(before);
    expect(calls.filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('teardown keeps the bucket with --keep-data, then deletes every version and marker of it', async () => {
    // Another cluster's bucket in the same account stays whatever happens to ours.
    const bystander = mlSpec('bystander');
    expectOk(await provision(bucketOf(bystander), bystander));
    // Versions, an overwritten key and a delete marker: a versioned bucket is empty only without them.
    for (const body of ['v1', 'v2'])
      await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'run/model.pkl', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'run/plot.png', Body: 'png' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: 'run/plot.png' }));
    expect(stored()!.Objects.length).toBe(4);

    const sink = new RecordingSink();
    const kept = expectOk(await run('teardown', [bucketsTeardownStep('research', aws, true)], { sink }));
    expect(kept.steps[0]?.result).toBe('unchanged');
    expect(kept.steps[0]?.summary).toBe(`kept ${bucket.name} (--keep-data)`);
    expect(sink.events.some((e) => e.type === 'info' && e.code === 'GITOPS_DATA_KEPT')).toBe(true);
    expect(stored()!.Objects.length).toBe(4);

    const gone = expectOk(await run('teardown', [bucketsTeardownStep('research', aws, false)]));
    expect(gone.steps[0]?.result).toBe('deleted');
    expect(gone.steps[0]?.summary).toContain('4 object versions');
    expect(stored()).toBeUndefined();
    expect(stored(bucketOf(bystander).name)).toBeDefined();
    // The squatter's bucket is not ours either.
    expect(stored(bucketOf(mlSpec('squatted')).name)).toBeDefined();
    // Nothing left: a second teardown is a no-op.
    const again = expectOk(await run('teardown', [bucketsTeardownStep('research', aws, false)]));
    expect(again.steps[0]?.result).toBe('unchanged');
  });
});

describe('S3 buckets in us-east-1', () => {
  it('are created without a location constraint, as S3 requires there', async () => {
    const emu = await startEmulator({ region: 'us-east-1' });
    try {
      const aws = clientsFor(emu);
      const spec = mlSpec('east', { region: 'us-east-1' });
      const bucket = bucketOf(spec);
      expectOk(await run('provision', [bucketStep(spec, aws, bucket)]));
      expect(emu.state().s3.buckets.find((b) => b.Name === bucket.name)?.Region).toBe('us-east-1');
      const location = await runAwsCli(emu, ['s3api', 'get-bucket-location', '--bucket', bucket.name]);
      expect(location.json['LocationConstraint'] ?? null).toBeNull();
    } finally {
      await emu.stop();
    }
  });
});
