/**
 * The S3 buckets a profile asks for (`buckets:` in profile.yaml), one step each. A bucket is
 * created in the cluster's region with our tags in the same call, then kept as gitops wants it:
 * default encryption SSE-S3, every public access block flag on, versioning on (an overwritten or
 * deleted artifact can be recovered; destroy removes every version). A re-run that finds a
 * setting changed by hand puts it back; one that finds the bucket as wanted changes nothing. It
 * needs no cluster, so it starts at once.
 */
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import type { ClusterBucket } from '../../spec/bucket.js';
import { partitionOf } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode } from './errors.js';
import type { BucketEncryption, PublicAccessBlock, Tags } from './ports.js';
import { assertOwned, missingTags, resourceTags } from './tags.js';

/** The tag naming which of the profile's buckets this is (status reads it). */
export const BUCKET_TAG = 'gitops.dev/bucket';
export const WANTED_ENCRYPTION: BucketEncryption = { algorithm: 'AES256' };
export const BLOCK_ALL: PublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

export interface BucketOutput {
  name: string;
  arn: string;
}

export function bucketRef(logical: string): StepRef<BucketOutput> {
  return stepRef(`aws:s3:${logical}`);
}

export function bucketTags(spec: Pick<ClusterSpec, 'name' | 'tags'>, bucket: ClusterBucket): Tags {
  return resourceTags(spec.name, spec.tags, { [BUCKET_TAG]: bucket.logical });
}

export function blocksAll(p: PublicAccessBlock | undefined): boolean {
  return p !== undefined && Object.values(p).every((v) => v === true);
}

export function encryptedAsWanted(e: BucketEncryption | undefined): boolean {
  return e?.algorithm === WANTED_ENCRYPTION.algorithm;
}

export function bucketStep(spec: ClusterSpec, aws: AwsClients, bucket: ClusterBucket): Step<BucketOutput> {
  const { name } = bucket;
  const output: BucketOutput = { name, arn: `arn:${partitionOf(spec.region)}:s3:::${name}` };
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    const tags = bucketTags(spec, bucket);
    const found = await aws.s3.headBucket(name);
    if (!found) {
      await changes.make(`create bucket ${name} in ${spec.region}`, () => create(spec, aws, name, tags));
      // A new bucket already blocks public access and encrypts with SSE-S3 (S3's defaults since
      // 2023); they are written anyway, so the bucket does not depend on a default changing.
    } else {
      if (found.region !== '' && found.region !== spec.region) {
        throw userError(
          'GITOPS_CONFLICT',
          `S3 bucket ${name} is in ${found.region}, not in the cluster's region ${spec.region}`,
          { hint: 'a bucket cannot move between regions: delete it (after saving its data) and run again' },
        );
      }
      const have = await aws.s3.getTags(name);
      assertOwned('S3 bucket', name, have, spec.name);
      const missing = missingTags(tags, have);
      if (Object.keys(missing).length > 0)
        await changes.make('update tags', () => aws.s3.putTags(name, { ...have, ...missing }));
    }
    const existed = found !== undefined;
    if (!existed || !blocksAll(await aws.s3.getPublicAccessBlock(name)))
      await changes.make('block all public access', () => aws.s3.putPublicAccessBlock(name, BLOCK_ALL));
    if (!existed || !encryptedAsWanted(await aws.s3.getEncryption(name)))
      await changes.make('encrypt with SSE-S3', () => aws.s3.putEncryption(name, WANTED_ENCRYPTION));
    if (!existed || (await aws.s3.getVersioning(name)) !== 'Enabled')
      await changes.make('turn versioning on', () => aws.s3.putVersioning(name, 'Enabled'));
    return changes;
  };
  return {
    id: bucketRef(bucket.logical).id,
    title: `S3 bucket ${bucket.logical}`,
    async observe(ctx) {
      const changes = await converge(ctx, false);
      return { inSync: changes.none, summary: changes.summary(`bucket ${name} as wanted`), output };
    },
    async apply(ctx) {
      const changes = await converge(ctx, true);
      return changes.applied(output);
    },
  };
}

async function create(spec: ClusterSpec, aws: AwsClients, name: string, tags: Tags): Promise<void> {
  try {
    await aws.s3.createBucket(name, spec.region, tags);
  } catch (e) {
    // Another run made it a moment ago (ours, if it carries our tags), or another account holds the
    // name: S3's names are global.
    if (hasAwsCode(e, 'BucketAlreadyOwnedByYou')) {
      assertOwned('S3 bucket', name, await aws.s3.getTags(name), spec.name);
      return;
    }
    if (hasAwsCode(e, 'BucketAlreadyExists')) {
      throw userError('GITOPS_CONFLICT', `S3 bucket name ${name} is taken by another AWS account`, {
        hint: 'bucket names are global; rename the cluster or the profile bucket',
      });
    }
    throw e;
  }
}
