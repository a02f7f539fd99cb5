// The buckets a profile declares are recorded on the EKS cluster, so that status, reading AWS
// alone, names a declared bucket that is gone: deleted by hand here, it is a problem until the
// next bootstrap makes it again. A profile that drops its buckets clears the record and leaves
// the bucket (its data) alone. Real SDK clients against the emulator.
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS_TAG, bucketsRecord, recordedBuckets } from '../../src/integrations/aws/bucket-record.js';
import { bucketsStatus } from '../../src/integrations/aws/bucket-status.js';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { type ClusterBucket, clusterBucketName } from '../../src/spec/bucket.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { s3ClientConfig } from '../support/aws-emulator/testing.js';
import { clientsFor, expectOk, mlSpec, run, startEmulator } from './fixtures.js';

const ACCOUNT = '123456789012';

describe('the declared buckets, recorded on the cluster', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let s3: S3Client;
  const spec = mlSpec('recorded');
  const bucket: ClusterBucket = {
    logical: 'mlflow-artifacts',
    name: clusterBucketName(ACCOUNT, spec.region, spec.name, 'mlflow-artifacts'),
    variable: 'mlflowArtifactsBucket',
  };
  const provision = (buckets: ClusterBucket[]) =>
    run('provision', provisionSteps(spec, aws, [], buckets), { timeoutMs: 120_000 });
  const record = async () => (await aws.eks.describeCluster(spec.name))?.tags[BUCKETS_TAG];
  const status = async () => bucketsStatus(aws, spec.name, await record());

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    s3 = new S3Client(s3ClientConfig(emu));
  });
  afterAll(async () => {
    s3.destroy();
    await emu.stop();
  });

  it('records them, names one deleted by hand as missing, and a re-run makes it again', async () => {
    const first = expectOk(await provision([bucket]));
    expect(first.steps.find((s) => s.id === 'aws:buckets')?.summary).toBe('record 1 buckets on the cluster');
    expect(await record()).toBe('mlflow-artifacts');
    expect((await status()).problems).toEqual([]);

    await s3.send(new DeleteBucketCommand({ Bucket: bucket.name }));
    const gone = await status();
    expect(gone.buckets).toEqual([]);
    expect(gone.problems).toEqual([
      'bucket mlflow-artifacts: declared by the profile but not in S3; run bootstrap again to create it',
    ]);

    const again = expectOk(await provision([bucket]));
    expect(again.steps.find((s) => s.id === `aws:s3:${bucket.logical}`)?.result).toBe('created');
    expect(again.steps.find((s) => s.id === 'aws:buckets')?.result).toBe('unchanged');
    const back = await status();
    expect(back.problems).toEqual([]);
    expect(back.buckets.map((b) => b.name)).toEqual([bucket.name]);
  });

  it('a profile without buckets clears the record and keeps the bucket and its data', async () => {
    const report = expectOk(await provision([]));
    expect(report.steps.find((s) => s.id === 'aws:buckets')?.summary).toBe(
      'remove the buckets record from the cluster',
    );
    expect(await record()).toBeUndefined();
    expect(emu.state().s3.buckets.some((b) => b.Name === bucket.name)).toBe(true);
    // Status still lists the bucket (it is the cluster's), and nothing is declared missing.
    expect((await status()).problems).toEqual([]);
  });

  it('a record too long for one tag value keeps the count, and a shortfall is still told', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `bucket-number-${String(i).padStart(2, '0')}`);
    const long = bucketsRecord(many);
    expect(long).toMatch(/^20:[0-9a-f]{16}$/);
    expect(recordedBuckets(long)).toBeUndefined();
    expect(recordedBuckets(bucketsRecord(['b', 'a', 'a']))).toEqual(['a', 'b']);
    const shortfall = await bucketsStatus(aws, spec.name, long);
    expect(shortfall.problems).toEqual([
      'buckets: bootstrap declared 20, AWS holds 1; run bootstrap again to create them',
    ]);
  });
});
