/**
 * S3 buckets a profile asks for. Bucket names are global across every AWS account, so a
 * cluster's bucket name carries a hash of the account, region, cluster and the bucket's logical
 * name: the same inputs always give the same name (a re-run, or destroy after a crash, finds
 * it), and two clusters, regions or accounts never meet on one. The readable parts come first so
 * a person can tell whose bucket it is; they are cut to keep the name within S3's 63 characters.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Every bucket gitops makes starts with this (the IAM policy scopes its S3 actions to it). */
export const BUCKET_PREFIX = 'gitops-';
const HASH_LENGTH = 10;
const CLUSTER_PART = 24;
const LOGICAL_PART = 20;

/** A profile's name for a bucket: lowercase letters, digits and inner "-", at most 20 characters. */
export const logicalBucketName = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/, {
    error: 'must be 1-20 lowercase letters, digits and inner "-" (it becomes part of the S3 bucket name)',
  });

/** One bucket of a cluster, its name worked out. */
export interface ClusterBucket {
  /** The profile's logical name (`mlflow-artifacts`). */
  logical: string;
  /** The S3 bucket name. */
  name: string;
  /** The variable that holds the name in manifests and identity policies. */
  variable: string;
}

/** `gitops-<cluster>-<logical>-<hash>`, within S3's naming rules whatever the cluster name is. */
export function clusterBucketName(
  accountId: string,
  region: string,
  cluster: string,
  logical: string,
): string {
  const hash = createHash('sha256')
    .update(`${accountId}\n${region}\n${cluster}\n${logical}`)
    .digest('hex')
    .slice(0, HASH_LENGTH);
  // EKS cluster names may hold uppercase letters and "_", S3 names may not.
  const part = (s: string, max: number) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .slice(0, max)
      .replace(/^-+|-+$/g, '');
  const pieces = [part(cluster, CLUSTER_PART), part(logical, LOGICAL_PART)].filter((p) => p !== '');
  return `${BUCKET_PREFIX}${pieces.join('-')}-${hash}`.replace(/-{2,}/g, '-');
}
