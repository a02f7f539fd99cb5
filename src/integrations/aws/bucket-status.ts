/**
 * `gitops status` for the cluster's S3 buckets, read from AWS alone: every bucket tagged as the
 * cluster's, and whether it is still as bootstrap left it (SSE-S3 encryption, all public access
 * blocked, versioning on). A setting that drifted is a problem; the next bootstrap puts it back.
 * A bucket the profile declared (recorded on the cluster) that is not there is a problem too.
 */
import { recordedBuckets } from './bucket-record.js';
import { findClusterBuckets } from './bucket-teardown.js';
import { BUCKET_TAG, blocksAll, encryptedAsWanted } from './buckets.js';
import type { AwsClients } from './clients.js';

export interface BucketStatus {
  name: string;
  /** The profile's name for it (its gitops.dev/bucket tag). */
  logical?: string;
  encrypted: boolean;
  publicAccessBlocked: boolean;
  versioned: boolean;
  problems: string[];
}

export interface BucketsStatus {
  buckets: BucketStatus[];
  /** Problems no single bucket explains (a declared one missing entirely). */
  problems: string[];
}

/** `record`: the cluster's gitops.dev/buckets tag, what bootstrap declared (absent: none). */
export async function bucketsStatus(
  aws: AwsClients,
  cluster: string,
  record?: string,
): Promise<BucketsStatus> {
  const names = await findClusterBuckets(aws, cluster);
  const buckets = await Promise.all(
    names.map(async (name) => {
      const [tags, encryption, block, versioning] = await Promise.all([
        aws.s3.getTags(name),
        aws.s3.getEncryption(name),
        aws.s3.getPublicAccessBlock(name),
        aws.s3.getVersioning(name),
      ]);
      const status: BucketStatus = {
        name,
        ...(tags[BUCKET_TAG] ? { logical: tags[BUCKET_TAG] } : {}),
        encrypted: encryptedAsWanted(encryption),
        publicAccessBlocked: blocksAll(block),
        versioned: versioning === 'Enabled',
        problems: [],
      };
      const fix = 'run bootstrap again to restore it';
      if (!status.encrypted)
        status.problems.push(
          `bucket ${name}: not encrypted with SSE-S3 (${encryption?.algorithm ?? 'none'}); ${fix}`,
        );
      if (!status.publicAccessBlocked)
        status.problems.push(`bucket ${name}: public access is not blocked entirely; ${fix}`);
      if (!status.versioned) status.problems.push(`bucket ${name}: versioning is off; ${fix}`);
      return status;
    }),
  );
  return { buckets, problems: missingBuckets(buckets, record) };
}

function missingBuckets(buckets: readonly BucketStatus[], record: string | undefined): string[] {
  if (record === undefined) return [];
  const declared = recordedBuckets(record);
  if (declared === undefined) {
    const count = Number(record.split(':')[0]);
    return buckets.length < count
      ? [
          `buckets: bootstrap declared ${count}, AWS holds ${buckets.length}; run bootstrap again to create them`,
        ]
      : [];
  }
  const found = new Set(buckets.map((b) => b.logical));
  return declared
    .filter((logical) => !found.has(logical))
    .map(
      (logical) =>
        `bucket ${logical}: declared by the profile but not in S3; run bootstrap again to create it`,
    );
}
