/** The S3 calls bucket provisioning, teardown and status make (see ./buckets.ts). */
import type { Tags } from './ports-common.js';

export interface BucketEncryption {
  /** AES256 (SSE-S3), aws:kms, aws:kms:dsse */
  algorithm: string;
  kmsKeyId?: string;
}

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface ObjectVersionRef {
  key: string;
  versionId: string;
}

export interface S3Port {
  /** The bucket's region when it exists and is ours to read; undefined when there is none. */
  headBucket(name: string): Promise<{ region: string } | undefined>;
  /**
   * In `region` (no location constraint in us-east-1, as S3 requires), tagged in the same call so
   * no crash can leave a bucket of our name without our tags.
   */
  createBucket(name: string, region: string, tags: Tags): Promise<void>;
  /** The account's buckets in a region whose names start with `prefix`. */
  listBuckets(prefix: string, region: string): Promise<string[]>;
  /** No tag set is {}. */
  getTags(name: string): Promise<Tags>;
  putTags(name: string, tags: Tags): Promise<void>;
  /** undefined when the bucket has no public access block of its own. */
  getPublicAccessBlock(name: string): Promise<PublicAccessBlock | undefined>;
  putPublicAccessBlock(name: string, block: PublicAccessBlock): Promise<void>;
  getEncryption(name: string): Promise<BucketEncryption | undefined>;
  putEncryption(name: string, encryption: BucketEncryption): Promise<void>;
  /** Enabled, Suspended, or undefined for a bucket never versioned. */
  getVersioning(name: string): Promise<string | undefined>;
  putVersioning(name: string, status: 'Enabled' | 'Suspended'): Promise<void>;
  /** One page of every object version and delete marker (at most 1000). */
  listVersions(name: string): Promise<{ versions: ObjectVersionRef[]; truncated: boolean }>;
  /** Deletes these versions for good (at most 1000); throws naming the first that failed. */
  deleteVersions(name: string, versions: readonly ObjectVersionRef[]): Promise<void>;
  deleteBucket(name: string): Promise<void>;
}
