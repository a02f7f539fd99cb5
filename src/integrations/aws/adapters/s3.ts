/**
 * S3Port over @aws-sdk/client-s3 (rest-xml). With an injected endpoint (the emulator, a
 * LocalStack, a VPC endpoint) requests go path-style: `<bucket>.<host>` needs DNS that such an
 * endpoint does not have, and the SDK chooses path style by itself only for IP addresses.
 */
import type * as Sdk from '@aws-sdk/client-s3';
import { hasAwsCode } from '../errors.js';
import type { BucketEncryption, ObjectVersionRef, PublicAccessBlock, S3Port, Tags } from '../ports.js';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import { call, tagsFromList, tagsToList } from './common.js';

type Client = Sdk.S3Client;

export class S3Adapter implements S3Port {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Client }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-s3');
      const config = await sdkClientConfig(settings);
      const client = new sdk.S3Client({
        ...config,
        ...(settings.endpoint === undefined ? {} : { forcePathStyle: true }),
      });
      return { sdk, client: abortable(client, settings.signal) };
    });
  }

  private async run<T>(operation: string, fn: (sdk: typeof Sdk, client: Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.load();
    return call('S3', operation, () => fn(sdk, client));
  }

  /** Like run, but S3's answer for "none" (a code per call) is undefined. */
  private async absent<T>(
    operation: string,
    codes: string[],
    fn: (sdk: typeof Sdk, client: Client) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.run(operation, fn);
    } catch (e) {
      if (hasAwsCode(e, ...codes)) return undefined;
      throw e;
    }
  }

  headBucket(name: string): Promise<{ region: string } | undefined> {
    // A HEAD answer has no body: a missing bucket is only a 404, which the SDK names NotFound.
    return this.absent('HeadBucket', ['NotFound', 'NoSuchBucket'], async (sdk, c) => {
      const r = await c.send(new sdk.HeadBucketCommand({ Bucket: name }));
      return { region: r.BucketRegion ?? '' };
    });
  }

  async createBucket(name: string, region: string, tags: Tags): Promise<void> {
    await this.run('CreateBucket', (sdk, c) =>
      c.send(
        new sdk.CreateBucketCommand({
          Bucket: name,
          CreateBucketConfiguration: {
            // us-east-1 takes no constraint; every other region must be named.
            ...(region === 'us-east-1' ? {} : { LocationConstraint: region as Sdk.BucketLocationConstraint }),
            // Needs s3:TagResource besides s3:CreateBucket (the S3 API reference, CreateBucket).
            Tags: tagsToList(tags),
          },
          // No x-amz-object-ownership: the default, BucketOwnerEnforced (ACLs off), is what we
          // want, and naming it would need s3:PutBucketOwnershipControls too.
        }),
      ),
    );
  }

  listBuckets(prefix: string, region: string): Promise<string[]> {
    return this.run('ListBuckets', async (sdk, c) => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const r = await c.send(
          new sdk.ListBucketsCommand({
            Prefix: prefix,
            BucketRegion: region,
            MaxBuckets: 1000,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const b of r.Buckets ?? []) if (b.Name) names.push(b.Name);
        token = r.ContinuationToken;
      } while (token);
      return names;
    });
  }

  async getTags(name: string): Promise<Tags> {
    const tags = await this.absent('GetBucketTagging', ['NoSuchTagSet'], async (sdk, c) => {
      const r = await c.send(new sdk.GetBucketTaggingCommand({ Bucket: name }));
      return tagsFromList(r.TagSet);
    });
    return tags ?? {};
  }

  async putTags(name: string, tags: Tags): Promise<void> {
    await this.run('PutBucketTagging', (sdk, c) =>
      c.send(new sdk.PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagsToList(tags) } })),
    );
  }

  getPublicAccessBlock(name: string): Promise<PublicAccessBlock | undefined> {
    return this.absent('GetPublicAccessBlock', ['NoSuchPublicAccessBlockConfiguration'], async (sdk, c) => {
      const r = await c.send(new sdk.GetPublicAccessBlockCommand({ Bucket: name }));
      const p = r.PublicAccessBlockConfiguration ?? {};
      return {
        blockPublicAcls: p.BlockPublicAcls === true,
        ignorePublicAcls: p.IgnorePublicAcls === true,
        blockPublicPolicy: p.BlockPublicPolicy === true,
        restrictPublicBuckets: p.RestrictPublicBuckets === true,
      };
    });
  }

  async putPublicAccessBlock(name: string, block: PublicAccessBlock): Promise<void> {
    await this.run('PutPublicAccessBlock', (sdk, c) =>
      c.send(
        new sdk.PutPublicAccessBlockCommand({
          Bucket: name,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: block.blockPublicAcls,
            IgnorePublicAcls: block.ignorePublicAcls,
            BlockPublicPolicy: block.blockPublicPolicy,
            RestrictPublicBuckets: block.restrictPublicBuckets,
          },
        }),
      ),
    );
  }

  getEncryption(name: string): Promise<BucketEncryption | undefined> {
    return this.absent(
      'GetBucketEncryption',
      ['ServerSideEncryptionConfigurationNotFoundError'],
      async (sdk, c) => {
        const r = await c.send(new sdk.GetBucketEncryptionCommand({ Bucket: name }));
        const rule = r.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        if (!rule?.SSEAlgorithm) return undefined;
        return {
          algorithm: rule.SSEAlgorithm,
          ...(rule.KMSMasterKeyID ? { kmsKeyId: rule.KMSMasterKeyID } : {}),
        };
      },
    );
  }

  async putEncryption(name: string, encryption: BucketEncryption): Promise<void> {
    await this.run('PutBucketEncryption', (sdk, c) =>
      c.send(
        new sdk.PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: encryption.algorithm as Sdk.ServerSideEncryption,
                  ...(encryption.kmsKeyId ? { KMSMasterKeyID: encryption.kmsKeyId } : {}),
                },
              },
            ],
          },
        }),
      ),
    );
  }

  getVersioning(name: string): Promise<string | undefined> {
    return this.run('GetBucketVersioning', async (sdk, c) => {
      const r = await c.send(new sdk.GetBucketVersioningCommand({ Bucket: name }));
      return r.Status;
    });
  }

  async putVersioning(name: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    await this.run('PutBucketVersioning', (sdk, c) =>
      c.send(
        new sdk.PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: status } }),
      ),
    );
  }

  listVersions(name: string): Promise<{ versions: ObjectVersionRef[]; truncated: boolean }> {
    return this.run('ListObjectVersions', async (sdk, c) => {
      const r = await c.send(new sdk.ListObjectVersionsCommand({ Bucket: name, MaxKeys: 1000 }));
      const refs = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].map((v) => ({
        key: v.Key ?? '',
        versionId: v.VersionId ?? 'null',
      }));
      return { versions: refs, truncated: r.IsTruncated === true };
    });
  }

  async deleteVersions(name: string, versions: readonly ObjectVersionRef[]): Promise<void> {
    if (versions.length === 0) return;
    await this.run('DeleteObjects', async (sdk, c) => {
      const r = await c.send(
        new sdk.DeleteObjectsCommand({
          Bucket: name,
          Delete: { Quiet: true, Objects: versions.map((v) => ({ Key: v.key, VersionId: v.versionId })) },
        }),
      );
      const failed = r.Errors?.[0];
      // DeleteObjects answers 200 with the keys it could not delete listed: that is a failure too.
      if (failed) {
        throw Object.assign(new Error(`${failed.Key} (${failed.VersionId}): ${failed.Message ?? ''}`), {
          name: failed.Code ?? 'DeleteObjectsError',
        });
      }
    });
  }

  async deleteBucket(name: string): Promise<void> {
    await this.run('DeleteBucket', (sdk, c) => c.send(new sdk.DeleteBucketCommand({ Bucket: name })));
  }
}
