/**
 * Creating the EKS cluster: CreateCluster, once the network and the cluster role exist. A step of
 * its own, apart from the wait for ACTIVE (./cluster.ts), because EKS may refuse a zone here:
 * "Cannot create cluster 'x' because us-east-1e, the targeted availability zone, does not
 * currently have sufficient capacity to support the cluster. Retry and choose from these
 * availability zones: ..." (UnsupportedAvailabilityZoneException, with `validZones`; rancher/rancher#14224,
 * eksctl-io/eksctl#252). Then the refused zones are recorded on the VPC, the network moves to the
 * zones EKS named (the refused zone's subnets are deleted, not left behind) and CreateCluster is
 * tried again. The NAT gateways wait for this step, so none is ever placed in a refused zone.
 */
import { systemError, userError } from '../../primitives/errors.js';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { wantedAccess } from './endpoint.js';
import { hasAwsCode, ZonesRefusedError } from './errors.js';
import { wantedAutoMode } from './auto-mode.js';
import { AUTO_NODE_ROLE, CLUSTER_ROLE } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import { convergeBaseNetwork, findVpc } from './network/base.js';
import { type NetworkOutput, REFUSED_ZONES_TAG, refusedZones } from './network/layout.js';
import { NETWORK } from './network/steps.js';
import type { CreateClusterInput, EksCluster } from './ports.js';
import { assertOwned, resourceTags } from './tags.js';
import { describeIssues, retrying } from './waiter.js';

export interface CreatedCluster {
  /** The network the control plane was placed in (moved, when EKS refused a zone). */
  network: NetworkOutput;
  /** Whether this run created the cluster. */
  created: boolean;
}

export const CLUSTER_CREATE = stepRef<CreatedCluster>('aws:cluster:create');

/** Each refusal moves the network by at least one zone; a region has only a handful. */
const MAX_PLACEMENTS = 4;

export function clusterCreateStep(spec: ClusterSpec, aws: AwsClients): Step<CreatedCluster> {
  const name = spec.name;
  return {
    id: CLUSTER_CREATE.id,
    title: `create EKS cluster ${name}`,
    dependsOn: [NETWORK.id, CLUSTER_ROLE.id, ...(spec.compute === 'auto' ? [AUTO_NODE_ROLE.id] : [])],
    async observe(ctx) {
      const cluster = await aws.eks.describeCluster(name);
      if (!cluster)
        return {
          inSync: false,
          summary: `create EKS cluster ${name} (Kubernetes ${spec.kubernetesVersion})`,
        };
      checkUsable(spec, cluster);
      return {
        inSync: true,
        summary: `cluster ${name} exists`,
        output: { network: ctx.need(NETWORK), created: false },
      };
    },
    async apply(ctx) {
      let network = ctx.need(NETWORK);
      for (let attempt = 1; ; attempt++) {
        try {
          const created = await createCluster(ctx, spec, aws, network.clusterSubnetIds);
          return { result: created ? 'created' : 'unchanged', output: { network, created } };
        } catch (e) {
          if (!(e instanceof ZonesRefusedError)) throw e;
          if (spec.network.subnetIds !== undefined) throw givenSubnetsRefused(e);
          if (attempt >= MAX_PLACEMENTS) throw e;
          network = await moveAwayFromRefusedZones(ctx, aws, spec, network, e);
        }
      }
    },
  };
}

/** Refuses clusters that are not ours, failed or being deleted. */
export function checkUsable(spec: ClusterSpec, cluster: EksCluster): void {
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
}

/** True when this call created it; false when a concurrent run (or a retried call) did. */
async function createCluster(
  ctx: StepContext,
  spec: ClusterSpec,
  aws: AwsClients,
  subnets: readonly string[],
): Promise<boolean> {
  const role = ctx.need(CLUSTER_ROLE);
  const subnetIds = [...subnets].sort();
  const autoMode = spec.compute === 'auto' ? wantedAutoMode(ctx.need(AUTO_NODE_ROLE).arn) : undefined;
  const input: CreateClusterInput = {
    name: spec.name,
    version: spec.kubernetesVersion,
    roleArn: role.arn,
    subnetIds,
    endpointAccess: wantedAccess(spec),
    ...(autoMode ? { autoMode } : {}),
    tags: resourceTags(spec.name, spec.tags),
    // Same cluster, same roles, same subnets: same token, so a concurrent run creates nothing twice.
    clientRequestToken: idempotencyToken(
      'eks-cluster',
      spec.name,
      role.arn,
      ...subnetIds,
      ...(autoMode ? ['auto', autoMode.nodeRoleArn] : []),
    ),
  };
  try {
    // A role created seconds ago may not be visible to EKS yet (IAM is eventually consistent).
    await retrying(
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
    return true;
  } catch (e) {
    if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
    // Another run created it between our describe and our create: take it if it is ours.
    const cluster = await aws.eks.describeCluster(spec.name);
    if (!cluster) throw e;
    checkUsable(spec, cluster);
    return false;
  }
}

/**
 * Records the refused zones on the VPC, then converges the network again: it leaves those zones
 * (deleting our subnets there) for the next ones that suit. Recorded first, so that a run stopped
 * in between resumes the move instead of going back to the refused zone.
 */
async function moveAwayFromRefusedZones(
  ctx: StepContext,
  aws: AwsClients,
  spec: ClusterSpec,
  tried: NetworkOutput,
  e: ZonesRefusedError,
): Promise<NetworkOutput> {
  const vpc = await findVpc(aws, spec.name);
  if (!vpc) throw e;
  const subnets = await aws.ec2.describeSubnets({ ids: [...tried.clusterSubnetIds] });
  const refused = [...new Set(subnets.map((s) => s.availabilityZone))].filter(
    (z) => !e.validZones.includes(z),
  );
  if (refused.length === 0) throw e;
  const all = [...new Set([...refusedZones(vpc), ...refused])].sort();
  ctx.warn(
    'GITOPS_ZONE_REFUSED',
    `EKS cannot place cluster ${spec.name} in ${refused.join(', ')} now; moving its subnets to the zones EKS named (${e.validZones.join(', ')})`,
  );
  await aws.ec2.tagResource(vpc.id, { [REFUSED_ZONES_TAG]: all.join(' ') });
  const network = await convergeBaseNetwork(aws, spec, new Changes(true, ctx.signal), ctx);
  if (!network)
    throw systemError(
      'GITOPS_AWS',
      `the network of ${spec.name} is incomplete after leaving ${refused.join(', ')}`,
    );
  return network;
}

function givenSubnetsRefused(e: ZonesRefusedError) {
  return userError(
    'GITOPS_BAD_CONFIG',
    `network.subnetIds: EKS cannot place the cluster in one of the subnets' zones now; it can use ${e.validZones.join(', ')}`,
    { hint: 'list subnets in those zones instead', cause: e },
  );
}
