/**
 * The EKS cluster, once ./cluster-create.ts has asked for it: waited for until ACTIVE with our
 * waiter, then kept as the spec says: tags, endpoint access (./endpoint.ts), and the Kubernetes
 * version, which is a floor (a cluster EKS upgraded by itself is adopted; a higher version asked
 * for is an upgrade, ./upgrade.ts). A cluster in FAILED state stops the run with AWS's health
 * issues.
 */
import { userError } from '../../primitives/errors.js';
import { type Step, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { CLUSTER_CREATE, checkUsable } from './cluster-create.js';
import type { AwsClients } from './clients.js';
import { autoModeChange, convergeAutoMode, wantedAutoMode } from './auto-mode.js';
import { accessChange, convergeAccess, wantedAccess } from './endpoint.js';
import { hasAwsCode } from './errors.js';
import { AUTO_NODE_ROLE } from './iam.js';
import type { EksCluster } from './ports.js';
import { isOwned, missingTags, resourceTags } from './tags.js';
import { minorOf } from './updates.js';
import { describeUpgrade, planUpgrade, runUpgrade } from './upgrade.js';
import { describeIssues, retrying, type WaitContext, waitFor } from './waiter.js';

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
  const access = wantedAccess(spec);
  /** What the cluster still needs, in the order apply makes the changes. */
  const changesFor = async (cluster: EksCluster) => {
    const missing = missingTags(tags, cluster.tags);
    const endpoint = accessChange(access, cluster);
    const autoMode = autoModeChange(spec, cluster);
    const upgrade = await planUpgrade(aws, spec, cluster);
    return {
      missing,
      endpoint,
      autoMode,
      upgrade,
      summary: [
        ...(Object.keys(missing).length > 0 ? [`update tags of cluster ${name}`] : []),
        ...(endpoint ? [endpoint] : []),
        ...(autoMode ? [autoMode] : []),
        ...(upgrade ? [describeUpgrade(upgrade)] : []),
      ].join('; '),
    };
  };
  return {
    id: CLUSTER.id,
    title: `EKS cluster ${name}`,
    dependsOn: [CLUSTER_CREATE.id, ...(spec.compute === 'auto' ? [AUTO_NODE_ROLE.id] : [])],
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
      const changes = await changesFor(cluster);
      if (changes.summary !== '') return { inSync: false, summary: changes.summary };
      return { inSync: true, summary: activeSummary(spec, cluster), output: clusterOutput(cluster) };
    },
    async apply(ctx) {
      const created = ctx.output(CLUSTER_CREATE)?.created === true;
      let cluster = await waitForCluster(ctx, aws, name);
      checkUsable(spec, cluster);
      const changes = await changesFor(cluster);
      if (Object.keys(changes.missing).length > 0) await aws.eks.tagResource(cluster.arn, changes.missing);
      // EKS runs one update at a time: the endpoint access first, Auto Mode, then the versions.
      if (changes.endpoint) {
        await convergeAccess(ctx, aws, cluster, access);
        cluster = await waitForCluster(ctx, aws, name);
      }
      if (changes.autoMode) {
        await convergeAutoMode(ctx, aws, cluster, wantedAutoMode(ctx.need(AUTO_NODE_ROLE).arn));
        cluster = await waitForCluster(ctx, aws, name);
      }
      if (changes.upgrade) cluster = await runUpgrade(ctx, aws, cluster, changes.upgrade);
      return {
        result: created ? 'created' : changes.summary === '' ? 'unchanged' : 'updated',
        summary: activeSummary(spec, cluster),
        output: clusterOutput(cluster),
      };
    },
  };
}

/** The spec's version is a floor: a cluster EKS upgraded by itself is kept, and said so. */
function activeSummary(spec: ClusterSpec, c: EksCluster): string {
  const above = minorOf(c.version) > minorOf(spec.kubernetesVersion);
  return `cluster ${c.name} is ACTIVE (${c.version}${above ? `, above the ${spec.kubernetesVersion} the spec asks for` : ''})`;
}

export async function waitForCluster(ctx: WaitContext, aws: AwsClients, name: string): Promise<EksCluster> {
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
