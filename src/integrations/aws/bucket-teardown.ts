/**
 * Teardown of the cluster's S3 buckets, found by our tags among the account's `gitops-` buckets in
 * the region (a profile may have changed since they were made). A versioned bucket is empty only
 * when every object version and delete marker is gone, so those are deleted first, a page at a
 * time, then the bucket. With --keep-data the buckets stay, tagged as they are: a later bootstrap
 * of the same cluster name finds them and its workloads see the data again.
 */
import { emit } from '../../primitives/events.js';
import { type Step, type StepRef, stepRef } from '../../primitives/plan.js';
import { BUCKET_PREFIX } from '../../spec/bucket.js';
import type { AwsClients } from './clients.js';
import { ignoreNotFound } from './errors.js';
import { isOwned } from './tags.js';

export const BUCKETS_TEARDOWN_ID = 'aws:s3';
/** What --keep-data kept (destroy's document names them). */
export const BUCKETS_KEPT: StepRef<{ kept: string[] }> = stepRef(BUCKETS_TEARDOWN_ID);

/** The cluster's buckets: ours by tag, in the clients' region. */
export async function findClusterBuckets(aws: AwsClients, cluster: string): Promise<string[]> {
  const names = await aws.s3.listBuckets(BUCKET_PREFIX, aws.region);
  const tags = await Promise.all(names.map((n) => aws.s3.getTags(n)));
  return names.filter((_, i) => isOwned(tags[i]!, cluster));
}

export function bucketsTeardownStep(
  cluster: string,
  aws: AwsClients,
  keepData: boolean,
  dependsOn: string[] = [],
): Step<{ kept: string[] }> {
  return {
    id: BUCKETS_TEARDOWN_ID,
    title: keepData ? 'keep S3 buckets (--keep-data)' : 'empty and delete S3 buckets',
    dependsOn,
    async observe(ctx) {
      const buckets = await findClusterBuckets(aws, cluster);
      if (buckets.length === 0) return { inSync: true, summary: 'no S3 buckets of ours' };
      if (keepData) {
        const message = `kept S3 buckets ${buckets.join(', ')} with their data (--keep-data); a bootstrap of ${cluster} uses them again`;
        emit(ctx.sink, { type: 'info', code: 'GITOPS_DATA_KEPT', message, stepId: BUCKETS_TEARDOWN_ID });
        return {
          inSync: true,
          summary: `kept ${buckets.join(', ')} (--keep-data)`,
          output: { kept: buckets },
        };
      }
      return { inSync: false, summary: `empty and delete buckets ${buckets.join(', ')}` };
    },
    async apply(ctx) {
      const buckets = await findClusterBuckets(aws, cluster);
      let removed = 0;
      for (const name of buckets) {
        for (;;) {
          const page = await aws.s3.listVersions(name);
          if (page.versions.length === 0) break;
          await aws.s3.deleteVersions(name, page.versions);
          removed += page.versions.length;
          ctx.progress(`${name}: deleted ${removed} object versions`);
        }
        await ignoreNotFound(aws.s3.deleteBucket(name));
      }
      return {
        result: 'deleted',
        summary: `deleted buckets ${buckets.join(', ')} (${removed} object versions)`,
      };
    },
  };
}
