/**
 * The buckets a cluster's profile declares, recorded on the EKS cluster (a tag) once each of them
 * is in place, so that `gitops status`, which reads AWS alone, can tell a declared bucket that is
 * gone (deleted by hand, or never made because a run stopped) from a profile that has none.
 * A bucket no longer declared is not removed here: it holds data, and only destroy deletes it.
 */
import { createHash } from 'node:crypto';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import type { ClusterBucket } from '../../spec/bucket.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { TAG_LIMITS } from '../../spec/aws-limits.js';
import { bucketRef } from './buckets.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { CLUSTER } from './cluster.js';

/** On the EKS cluster: the declared buckets' logical names, space-separated. */
export const BUCKETS_TAG = 'gitops.dev/buckets';
export const BUCKETS = stepRef<{ buckets: number }>('aws:buckets');

/**
 * The logical names, sorted (a tag value holds letters, digits, spaces and "-"). A list too long
 * for one tag value is kept as its count and a digest: status can then tell that one is missing,
 * though not which.
 */
export function bucketsRecord(logicals: readonly string[]): string {
  const sorted = [...new Set(logicals)].sort();
  const listed = sorted.join(' ');
  if (listed.length <= TAG_LIMITS.maxValue) return listed;
  return `${sorted.length}:${createHash('sha256').update(listed).digest('hex').slice(0, 16)}`;
}

/** The names a record lists; undefined for the digest form (which names none). */
export function recordedBuckets(record: string): string[] | undefined {
  if (/^\d+:[0-9a-f]{16}$/.test(record)) return undefined;
  return record.split(' ').filter((n) => n !== '');
}

export function bucketsRecordStep(
  spec: ClusterSpec,
  aws: AwsClients,
  buckets: readonly ClusterBucket[],
): Step<{ buckets: number }> {
  const record = bucketsRecord(buckets.map((b) => b.logical));
  const output = { buckets: buckets.length };
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    const cluster = await aws.eks.describeCluster(spec.name);
    const recorded = cluster?.tags[BUCKETS_TAG];
    if (buckets.length === 0 && recorded !== undefined) {
      await changes.make('remove the buckets record from the cluster', async () => {
        await aws.eks.untagResource(cluster?.arn ?? ctx.need(CLUSTER).arn, [BUCKETS_TAG]);
      });
    } else if (buckets.length > 0 && recorded !== record) {
      await changes.make(`record ${buckets.length} buckets on the cluster`, async () => {
        await aws.eks.tagResource(cluster?.arn ?? ctx.need(CLUSTER).arn, { [BUCKETS_TAG]: record });
      });
    }
    return changes;
  };
  return {
    id: BUCKETS.id,
    title: 'S3 buckets: record the declared on the cluster',
    dependsOn: [CLUSTER.id, ...buckets.map((b) => bucketRef(b.logical).id)],
    async observe(ctx) {
      const changes = await converge(ctx, false);
      return { inSync: changes.none, summary: changes.summary(`${buckets.length} buckets recorded`), output };
    },
    async apply(ctx) {
      const changes = await converge(ctx, true);
      return { result: 'updated', summary: changes.summary(''), output };
    },
  };
}
