/**
 * Access entries for the extra admin principals in the spec (`access.adminPrincipals`): an EKS
 * access entry plus the cluster-wide AmazonEKSClusterAdminPolicy. The creator of the cluster
 * already has admin through bootstrapClusterCreatorAdminPermissions.
 */
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import type { AwsClients } from './clients.js';
import { CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import { partitionOf } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import { isOwned, resourceTags } from './tags.js';

export function clusterAdminPolicy(region: string): string {
  return `arn:${partitionOf(region)}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
}

export function accessRef(index: number): StepRef<unknown> {
  return stepRef(`aws:access:${index}`);
}

export function accessStep(spec: ClusterSpec, aws: AwsClients, principalArn: string, index: number): Step {
  const policy = clusterAdminPolicy(aws.region);
  const inspect = async () => {
    const entry = await aws.eks.describeAccessEntry(spec.name, principalArn);
    if (!entry) return { entry, admin: false };
    const admin = (await aws.eks.listAssociatedAccessPolicies(spec.name, principalArn)).includes(policy);
    return { entry, admin };
  };
  return {
    id: accessRef(index).id,
    title: `cluster admin access for ${principalArn}`,
    dependsOn: [CLUSTER.id],
    async observe() {
      const { entry, admin } = await inspect();
      if (!entry) return { inSync: false, summary: `grant ${principalArn} cluster admin` };
      if (admin) return { inSync: true, summary: `${principalArn} is cluster admin` };
      refuseForeign(spec, principalArn, entry.tags);
      return { inSync: false, summary: `associate the cluster admin policy with ${principalArn}` };
    },
    async apply(ctx: StepContext) {
      const cluster = ctx.need(CLUSTER);
      const { entry, admin } = await inspect();
      if (!entry) {
        try {
          await aws.eks.createAccessEntry(
            spec.name,
            principalArn,
            resourceTags(spec.name, spec.tags),
            idempotencyToken('access-entry', cluster.arn, cluster.createdAt, principalArn),
          );
        } catch (e) {
          // A concurrent run made it; the association below is idempotent either way.
          if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
        }
      } else refuseForeign(spec, principalArn, entry.tags);
      if (!admin) await aws.eks.associateClusterAccessPolicy(spec.name, principalArn, policy);
      return { result: entry ? 'updated' : 'created', summary: `${principalArn} is cluster admin` };
    },
  };
}

/** An entry someone else made is left alone unless it already grants what we want. */
function refuseForeign(spec: ClusterSpec, principalArn: string, tags: Record<string, string>): void {
  if (isOwned(tags, spec.name)) return;
  throw userError(
    'GITOPS_CONFLICT',
    `access entry for ${principalArn} exists, was not created by gitops and is not cluster admin`,
    { hint: 'associate AmazonEKSClusterAdminPolicy with it yourself, or delete the entry and run again' },
  );
}

/** Teardown: our access entries (the cluster's own go with it). */
export function accessTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const ours = async () => {
    let principals: string[];
    try {
      principals = await aws.eks.listAccessEntries(cluster);
    } catch (e) {
      if (hasAwsCode(e, 'ResourceNotFoundException')) return [];
      throw e;
    }
    const entries = await Promise.all(principals.map((p) => aws.eks.describeAccessEntry(cluster, p)));
    return entries.flatMap((e) => (e && isOwned(e.tags, cluster) ? [e.principalArn] : []));
  };
  return {
    id: 'aws:access',
    title: 'delete access entries',
    dependsOn,
    async observe() {
      const owned = await ours();
      if (owned.length === 0) return { inSync: true, summary: 'no access entries of ours' };
      return {
        inSync: false,
        summary: `delete ${owned.length} access entr${owned.length === 1 ? 'y' : 'ies'}`,
      };
    },
    async apply() {
      const owned = await ours();
      for (const p of owned) await ignoreNotFound(aws.eks.deleteAccessEntry(cluster, p));
      return {
        result: 'deleted',
        summary: `deleted ${owned.length} access entr${owned.length === 1 ? 'y' : 'ies'}`,
      };
    },
  };
}
