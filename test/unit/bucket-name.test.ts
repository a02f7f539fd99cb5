// The names of a cluster's S3 buckets: valid by S3's rules (checked with the emulator's rule, which
// follows the S3 User Guide), within 63 characters whatever the cluster is called, the same for the
// same inputs, and different when the account, region, cluster or logical name differs.
import { describe, expect, it } from 'vitest';
import { BUCKET_PREFIX, clusterBucketName } from '../../src/spec/bucket.js';
import { validBucketName } from '../support/aws-emulator/s3-buckets.js';

const A = '123456789012';

describe('cluster bucket names', () => {
  it('are readable, deterministic and valid', () => {
    const name = clusterBucketName(A, 'us-west-2', 'research', 'mlflow-artifacts');
    expect(name).toMatch(/^gitops-research-mlflow-artifacts-[0-9a-f]{10}$/);
    expect(clusterBucketName(A, 'us-west-2', 'research', 'mlflow-artifacts')).toBe(name);
    expect(validBucketName(name)).toBe(true);
  });

  it('stay within S3 rules for the longest and oddest EKS cluster names', () => {
    for (const cluster of ['A'.repeat(100), 'Prod_Cluster__1', '9-x', 'a', `x${'-'.repeat(40)}y`]) {
      for (const logical of ['a', 'abcdefghij-klmnopqrs']) {
        const name = clusterBucketName(A, 'eu-central-1', cluster, logical);
        expect(name.length, name).toBeLessThanOrEqual(63);
        expect(name.startsWith(BUCKET_PREFIX)).toBe(true);
        expect(name, name).not.toContain('--');
        expect(validBucketName(name), name).toBe(true);
      }
    }
  });

  it('differ per account, region, cluster and logical name', () => {
    const names = new Set([
      clusterBucketName(A, 'us-west-2', 'research', 'data'),
      clusterBucketName('210987654321', 'us-west-2', 'research', 'data'),
      clusterBucketName(A, 'us-east-1', 'research', 'data'),
      clusterBucketName(A, 'us-west-2', 'Research', 'data'),
      clusterBucketName(A, 'us-west-2', 'research', 'data2'),
    ]);
    expect(names.size).toBe(5);
  });
});
