/**
 * The EKS cluster: created once the network and the cluster role exist, then waited for until
 * ACTIVE with our waiter. A cluster in FAILED state stops the run with AWS's health issues.
 */
import { systemError, userError } from '../../primitives/errors.js';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode } from './errors.js';
import { CLUSTER_ROLE } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import { NETWORK } from './network/steps.js';
import type { EksCluster } from './ports.js';
import { assertOwned, isOwned, missingTags, resourceTags } from './tags.js';
import { describeIssues, retrying, waitFor } from './waiter.js';

export const CLUSTER = stepRef<ClusterOutput>('aws:cluster');

export interface ClusterOutput {
  name: string;
  arn: string;
  version: string;
  endpoint: string;
  /** Base64 PEM bundle from certificateAuthority.data. */
  certificateAuthority: string;
  /** ISO time; part of the idempotency tokens of what lives in the cluster. */
  createdAt: string;
}

const WAITING = new Set(['CREATING', 'UPDATING', 'PENDING']);

export function clusterOutput(c: EksCluster): ClusterOutput {
  return {
    name: c.name,
    arn: c.arn,
    version: c.version,
    endpoint: c.endpoint ?? '',
    certificateAuthority: c.certificateAuthority ?? '',
    createdAt: c.createdAt?.toISOString() ?? '',
  };
}

export function clusterStep(spec: ClusterSpec, aws: AwsClients): Step<ClusterOutput> {
  const name = spec.name;
  const tags = resourceTags(name, spec.tags);
  return {
    id: CLUSTER.id,
    title: `EKS cluster ${name}`,
    dependsOn: [NETWORK.id, CLUSTER_ROLE.id],
    async observe() {
      const cluster = await aws.eks.describeCluster(name);
      if (!cluster)
        return {
          inSync: false,
          summary: `create EKS cluster ${name} (Kubernetes ${spec.kubernetesVersion})`,
        };
      checkUsable(spec, cluster);
      if (WAITING.has(cluster.status))
        return { inSync: false, summary: `wait for cluster ${name} (${cluster.status})` };
      const missing = missingTags(tags, cluster.tags);
      if (Object.keys(missing).length > 0)
        return { inSync: false, summary: `update tags of cluster ${name}` };
      return {
        inSync: true,
        summary: `cluster ${name} is ACTIVE (${cluster.version})`,
        output: clusterOutput(cluster),
      };
    },
    async apply(ctx) {
      let cluster = await aws.eks.describeCluster(name);
      let result: 'created' | 'updated' = 'updated';
      if (!cluster) {
        cluster = await createCluster(ctx, spec, aws);
        result = 'created';
      } else checkUsable(spec, cluster);
      const missing = missingTags(tags, cluster.tags);
      if (result === 'updated' && Object.keys(missing).length > 0)
        await aws.eks.tagResource(cluster.arn, missing);
      const active = await waitForCluster(ctx, aws, name);
      return {
        result,
        summary: `cluster ${name} is ACTIVE (${active.version})`,
        output: clusterOutput(active),
      };
    },
  };
}

/** Refuses clusters that are not ours, failed, being deleted, or on another version. */
function checkUsable(spec: ClusterSpec, cluster: EksCluster): void {
  assertOwned('EKS cluster', cluster.name, cluster.tags, spec.name);
  if (cluster.status === 'FAILED') {
    throw systemError(
      'GITOPS_AWS',
      `EKS cluster ${cluster.name} is FAILED: ${describeIssues(cluster.health)}`,
      {
        hint: 'run `gitops destroy` for this cluster, fix the cause, and bootstrap again',
      },
    );
  }
  if (cluster.status === 'DELETING') {
    throw userError('GITOPS_CONFLICT', `EKS cluster ${cluster.name} is being deleted`, {
      hint: 'wait until the deletion finishes, then run again',
    });
  }
  if (cluster.version && cluster.version !== spec.kubernetesVersion && !WAITING.has(cluster.status)) {
    throw userError(
      'GITOPS_CONFLICT',
      `kubernetesVersion: cluster ${cluster.name} runs ${cluster.version}, the spec asks for ${spec.kubernetesVersion}; gitops does not upgrade clusters in place`,
      {
        hint: 'set kubernetesVersion to the running version, or upgrade the cluster with the EKS console or API',
      },
    );
  }
}

async function createCluster(ctx: StepContext, spec: ClusterSpec, aws: AwsClients): Promise<EksCluster> {
  const network = ctx.need(NETWORK);
  const role = ctx.need(CLUSTER_ROLE);
  const subnetIds = [...network.clusterSubnetIds].sort();
  const input = {
    name: spec.name,
    version: spec.kubernetesVersion,
    roleArn: role.arn,
    subnetIds,
    tags: resourceTags(spec.name, spec.tags),
    // Same cluster, same role, same subnets: same token, so a concurrent run creates nothing twice.
    clientRequestToken: idempotencyToken('eks-cluster', spec.name, role.arn, ...subnetIds),
  };
  try {
    // A role created seconds ago may not be visible to EKS yet (IAM is eventually consistent).
    return await retrying(
      ctx,
      {
        what: `create cluster ${spec.name}`,
        retryable: (e) =>
          hasAwsCode(e, 'InvalidParameterException') && /role/i.test(String((e as Error).message)),
        scale: aws.timeScale,
        firstDelayMs: 2_000,
      },
      () => aws.eks.createCluster(input),
    );
  } catch (e) {
    if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
    // Another run created it between our describe and our create: take it if it is ours.
    const cluster = await aws.eks.describeCluster(spec.name);
    if (!cluster) throw e;
    checkUsable(spec, cluster);
    return cluster;
  }
}

export async function waitForCluster(ctx: StepContext, aws: AwsClients, name: string): Promise<EksCluster> {
  const cluster = await waitFor(
    ctx,
    {
      what: `cluster ${name}`,
      poll: () => aws.eks.describeCluster(name),
      state: (c) => c?.status ?? 'not found',
      done: (c) => c?.status === 'ACTIVE',
      failure: (c) => {
        if (!c) return 'it disappeared';
        if (c.status === 'FAILED') return describeIssues(c.health);
        if (c.status === 'DELETING') return 'it is being deleted';
        return undefined;
      },
    },
    { scale: aws.timeScale },
  );
  return cluster!;
}

/** Teardown: delete the cluster once its node groups are gone, and wait until it is gone. */
export function clusterTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  return {
    id: CLUSTER.id,
    title: `delete EKS cluster ${cluster}`,
    dependsOn,
    async observe(ctx) {
      const c = await aws.eks.describeCluster(cluster);
      if (!c) return { inSync: true, summary: `no cluster ${cluster}` };
      if (!isOwned(c.tags, cluster)) {
        ctx.warn('GITOPS_NOT_OURS', `EKS cluster ${cluster} is not tagged as managed by gitops; kept`);
        return { inSync: true, summary: `kept cluster ${cluster}: not managed by gitops` };
      }
      return { inSync: false, summary: `delete cluster ${cluster} (${c.status})` };
    },
    async apply(ctx) {
      const c = await aws.eks.describeCluster(cluster);
      if (c && c.status !== 'DELETING') {
        await refuseForeignNodegroups(aws, cluster);
        // Node groups that are still going away make EKS answer ResourceInUseException.
        await retrying(
          ctx,
          {
            what: `delete cluster ${cluster}`,
            retryable: (e) => hasAwsCode(e, 'ResourceInUseException'),
            scale: aws.timeScale,
          },
          async () => {
            try {
              await aws.eks.deleteCluster(cluster);
            } catch (e) {
              if (!hasAwsCode(e, 'ResourceNotFoundException')) throw e;
            }
          },
        );
      }
      await waitFor(
        ctx,
        {
          what: `cluster ${cluster}`,
          poll: () => aws.eks.describeCluster(cluster),
          state: (x) => x?.status ?? 'deleted',
          done: (x) => x === undefined,
          failure: (x) =>
            x?.status === 'FAILED' ? `deletion failed: ${describeIssues(x.health)}` : undefined,
        },
        { scale: aws.timeScale },
      );
      return { result: 'deleted', summary: `deleted cluster ${cluster}` };
    },
  };
}

/** EKS cannot delete a cluster that still has node groups; ours are gone by now, so say whose. */
async function refuseForeignNodegroups(aws: AwsClients, cluster: string): Promise<void> {
  for (const name of await aws.eks.listNodegroups(cluster)) {
    const ng = await aws.eks.describeNodegroup(cluster, name);
    if (ng && !isOwned(ng.tags, cluster)) {
      throw userError(
        'GITOPS_CONFLICT',
        `cluster ${cluster} still has node group ${name}, which gitops did not create; it cannot be deleted before it`,
        { hint: `delete node group ${name} yourself, then run destroy again` },
      );
    }
  }
}
