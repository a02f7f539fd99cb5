// S3 buckets and their objects. Bucket names are global (one namespace for every account), which
// is why a name another account holds is BucketAlreadyExists. Each key keeps its versions, newest
// first; an unversioned bucket keeps one version with the id "null" per key.

import type { Checksum } from './s3-payload.js';
import type { Tag } from './service.js';

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface EncryptionRule {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  etag: string;
  lastModified: number;
  contentType: string;
  checksum?: Checksum;
}

export interface Bucket {
  name: string;
  region: string;
  ownerAccount: string;
  createdAt: number;
  objectOwnership: string;
  /** undefined until PutBucketTagging (GetBucketTagging answers NoSuchTagSet then). */
  tags?: Tag[];
  /** undefined after DeletePublicAccessBlock; new buckets block all public access. */
  publicAccessBlock?: PublicAccessBlock;
  encryption: EncryptionRule;
  /** undefined while the bucket has never been versioned. */
  versioning?: 'Enabled' | 'Suspended';
  /** Key -> versions, newest first. */
  objects: Map<string, ObjectVersion[]>;
}

/** S3's defaults for new buckets since 2023: SSE-S3 encryption and all public access blocked. */
export const DEFAULT_ENCRYPTION: EncryptionRule = { algorithm: 'AES256', bucketKeyEnabled: false };
export const BLOCK_ALL: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

export interface S3BucketState {
  Name: string;
  Region: string;
  OwnerAccount: string;
  CreationDate: string;
  ObjectOwnership: string;
  Tags?: Tag[];
  PublicAccessBlock?: PublicAccessBlock;
  Encryption: EncryptionRule;
  Versioning?: string;
  /** Every version and delete marker, keys ascending, newest first. */
  Objects: {
    Key: string;
    VersionId: string;
    IsLatest: boolean;
    DeleteMarker: boolean;
    Size: number;
    ETag: string;
    LastModified: string;
  }[];
}

export class S3Store {
  readonly buckets = new Map<string, Bucket>();

  /** The current (latest) version of each key that is not a delete marker, sorted by key. */
  currentObjects(b: Bucket): ObjectVersion[] {
    return [...b.objects.keys()]
      .sort()
      .map((k) => b.objects.get(k)![0]!)
      .filter((v) => !v.deleteMarker);
  }

  /** Every version and delete marker: keys ascending, newest first within a key. */
  allVersions(b: Bucket): ObjectVersion[] {
    return [...b.objects.keys()].sort().flatMap((k) => b.objects.get(k)!);
  }

  isEmpty(b: Bucket): boolean {
    return b.objects.size === 0;
  }

  snapshot(): { buckets: S3BucketState[] } {
    return {
      buckets: [...this.buckets.values()].map((b) => ({
        Name: b.name,
        Region: b.region,
        OwnerAccount: b.ownerAccount,
        CreationDate: new Date(b.createdAt).toISOString(),
        ObjectOwnership: b.objectOwnership,
        ...(b.tags ? { Tags: b.tags.map((t) => ({ ...t })) } : {}),
        ...(b.publicAccessBlock ? { PublicAccessBlock: { ...b.publicAccessBlock } } : {}),
        Encryption: { ...b.encryption },
        ...(b.versioning ? { Versioning: b.versioning } : {}),
        Objects: this.allVersions(b).map((v) => ({
          Key: v.key,
          VersionId: v.versionId,
          IsLatest: b.objects.get(v.key)?.[0] === v,
          DeleteMarker: v.deleteMarker,
          Size: v.body.length,
          ETag: v.etag,
          LastModified: new Date(v.lastModified).toISOString(),
        })),
      })),
    };
  }
}
