/**
 * Managed node groups, one step each so they are created concurrently once the cluster is
 * ACTIVE. Scaling bounds, labels and taints are updated in place; instance types, AMI type,
 * capacity type and disk size cannot be, and a change there is an error naming the field.
 * desiredSize is the initial size only: once the group runs, an autoscaler owns it, so a
 * re-run only moves it back inside [minSize, maxSize].
 */
import { systemError, userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec, NodeGroupSpec, Taint } from '../../spec/schema.js';
import type { AwsClients } from './clients.js';
import { CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import { NODE_ROLE } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import { CLUSTER_CREATE } from './cluster-create.js';
import { NAT } from './network/steps.js';
import type { EksNodegroup, Scaling, UpdateNodegroupInput } from './ports.js';
import { assertOwned, isOwned, resourceTags } from './tags.js';
import { describeIssues, type WaitContext, waitFor } from './waiter.js';

const WAITING = new Set(['CREATING', 'UPDATING']);
const FAILED = new Set(['CREATE_FAILED', 'DELETE_FAILED']);

export function nodegroupRef(name: string): StepRef<unknown> {
  return stepRef(`aws:nodegroup:${name}`);
}

export function nodegroupStep(spec: ClusterSpec, aws: AwsClients, ng: NodeGroupSpec): Step {
  const what = `node group ${ng.name}`;
  return {
    id: nodegroupRef(ng.name).id,
    title: `node group ${ng.name}`,
    dependsOn: [CLUSTER.id, NODE_ROLE.id, NAT.id],
    async observe() {
      const current = await aws.eks.describeNodegroup(spec.name, ng.name);
      if (!current) return { inSync: false, summary: `create ${what} (${ng.instanceTypes.join(', ')})` };
      if (replaceable(spec, current))
        return {
          inSync: false,
          summary: `replace ${what}, which is ${current.status}: ${describeIssues(current.health)}`,
        };
      checkUsable(spec, ng, current);
      if (WAITING.has(current.status))
        return { inSync: false, summary: `wait for ${what} (${current.status})` };
      const update = configUpdate(spec.name, ng, current);
      if (update) return { inSync: false, summary: `update ${what}: ${describeUpdate(update)}` };
      return { inSync: true, summary: `${what} is ${current.status}` };
    },
    async apply(ctx) {
      let current = await aws.eks.describeNodegroup(spec.name, ng.name);
      let result: 'created' | 'updated' = 'updated';
      if (current && replaceable(spec, current)) {
        ctx.warn(
          'GITOPS_NODEGROUP_REPLACED',
          `${what} is ${current.status} (${describeIssues(current.health)}); deleting it and creating it again`,
        );
        await replaceFailed(ctx, aws, spec.name, current);
        current = await create(ctx, spec, aws, ng, current.arn);
        result = 'created';
      } else if (!current) {
        current = await create(ctx, spec, aws, ng);
        result = 'created';
      } else {
        checkUsable(spec, ng, current);
        if (WAITING.has(current.status)) current = await waitActive(ctx, aws, spec.name, ng.name);
        const update = configUpdate(spec.name, ng, current);
        if (update) {
          // With the state it starts from (the group's last change): fixing the same drift again
          // later is a new request, not a retry EKS would answer with the earlier update and skip.
          const token = idempotencyToken(
            'nodegroup-update',
            current.arn,
            JSON.stringify(update),
            current.modifiedAt?.getTime(),
          );
          await aws.eks.updateNodegroupConfig({ ...update, clientRequestToken: token });
        }
      }
      const active = await waitActive(ctx, aws, spec.name, ng.name);
      return { result, summary: `${what} is ${active.status} (${active.scaling.desiredSize} nodes wanted)` };
    },
  };
}

/**
 * A node group of ours whose creation failed (CREATE_FAILED), or that is going away (a run killed
 * while replacing one): a re-run replaces it, so that running the same command again converges.
 * EKS cannot repair a failed group in place. DELETE_FAILED still needs a person.
 */
function replaceable(spec: ClusterSpec, current: EksNodegroup): boolean {
  return (
    (current.status === 'CREATE_FAILED' || current.status === 'DELETING') && isOwned(current.tags, spec.name)
  );
}

async function replaceFailed(ctx: StepContext, aws: AwsClients, cluster: string, failed: EksNodegroup) {
  if (failed.status !== 'DELETING') await ignoreNotFound(aws.eks.deleteNodegroup(cluster, failed.name));
  await waitFor(
    ctx,
    {
      what: `node group ${failed.name} (deleting the failed one)`,
      poll: () => aws.eks.describeNodegroup(cluster, failed.name),
      state: (n) => n?.status ?? 'deleted',
      done: (n) => n === undefined,
      failure: (n) => (n?.status === 'DELETE_FAILED' ? describeIssues(n.health) : undefined),
    },
    { scale: aws.timeScale },
  );
}

/** `replaces`: the ARN of the failed group this one replaces, so its token differs from that group's. */
async function create(
  ctx: StepContext,
  spec: ClusterSpec,
  aws: AwsClients,
  ng: NodeGroupSpec,
  replaces?: string,
) {
  const cluster = ctx.need(CLUSTER);
  const role = ctx.need(NODE_ROLE);
  // Where the cluster was placed: the network moves when EKS refuses a zone.
  const network = ctx.need(CLUSTER_CREATE).network;
  try {
    return await aws.eks.createNodegroup({
      clusterName: spec.name,
      name: ng.name,
      nodeRoleArn: role.arn,
      subnetIds: network.nodeSubnetIds,
      instanceTypes: ng.instanceTypes,
      amiType: ng.amiType,
      capacityType: ng.capacityType,
      diskSize: ng.diskSize,
      scaling: { minSize: ng.minSize, maxSize: ng.maxSize, desiredSize: ng.desiredSize },
      labels: ng.labels,
      taints: ng.taints,
      tags: resourceTags(spec.name, spec.tags),
      clientRequestToken: idempotencyToken(
        'nodegroup',
        cluster.arn,
        cluster.createdAt,
        ng.name,
        ...(replaces ? [replaces] : []),
      ),
    });
  } catch (e) {
    if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
    // A concurrent run created it first (or the cluster is busy): take it if it is ours.
    const current = await aws.eks.describeNodegroup(spec.name, ng.name);
    if (!current) throw e;
    checkUsable(spec, ng, current);
    return current;
  }
}

function checkUsable(spec: ClusterSpec, ng: NodeGroupSpec, current: EksNodegroup): void {
  assertOwned('node group', ng.name, current.tags, spec.name);
  if (FAILED.has(current.status)) {
    throw systemError(
      'GITOPS_AWS',
      `node group ${ng.name} is ${current.status}: ${describeIssues(current.health)}`,
      {
        hint: 'delete the node group (or run destroy), fix the cause, and run again',
      },
    );
  }
  if (current.status === 'DELETING') {
    throw userError('GITOPS_CONFLICT', `node group ${ng.name} is being deleted`, {
      hint: 'wait until it is gone, then run again',
    });
  }
  const field = `nodeGroups[${ng.name}]`;
  const fixed: [string, string, string][] = [
    ['instanceTypes', [...ng.instanceTypes].sort().join(','), [...current.instanceTypes].sort().join(',')],
    ['amiType', ng.amiType, current.amiType ?? ng.amiType],
    ['capacityType', ng.capacityType, current.capacityType ?? ng.capacityType],
    ['diskSize', String(ng.diskSize), String(current.diskSize ?? ng.diskSize)],
  ];
  for (const [key, want, have] of fixed) {
    if (want !== have) {
      throw userError(
        'GITOPS_CONFLICT',
        `${field}.${key}: the node group has ${have}, the spec asks for ${want}; EKS cannot change this in place`,
        { hint: 'add a node group with a new name and remove the old one, or keep the current value' },
      );
    }
  }
}

/** The in-place update that brings the group to the spec, or undefined when none is needed. */
export function configUpdate(
  cluster: string,
  ng: NodeGroupSpec,
  current: EksNodegroup,
): Omit<UpdateNodegroupInput, 'clientRequestToken'> | undefined {
  const update: Omit<UpdateNodegroupInput, 'clientRequestToken'> = { clusterName: cluster, name: ng.name };
  const have = current.scaling;
  const desired = Math.min(ng.maxSize, Math.max(ng.minSize, have.desiredSize));
  if (have.minSize !== ng.minSize || have.maxSize !== ng.maxSize || desired !== have.desiredSize) {
    update.scaling = { minSize: ng.minSize, maxSize: ng.maxSize, desiredSize: desired } satisfies Scaling;
  }
  const addLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ng.labels)) if (current.labels[k] !== v) addLabels[k] = v;
  const removeLabels = Object.keys(current.labels).filter((k) => !(k in ng.labels));
  if (Object.keys(addLabels).length > 0 || removeLabels.length > 0) {
    update.labels = { addOrUpdate: addLabels, remove: removeLabels };
  }
  const key = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;
  const haveTaints = new Set(current.taints.map(key));
  const wantTaints = new Set(ng.taints.map(key));
  const addTaints = ng.taints.filter((t) => !haveTaints.has(key(t)));
  const removeTaints = current.taints.filter((t) => !wantTaints.has(key(t)));
  if (addTaints.length > 0 || removeTaints.length > 0)
    update.taints = { addOrUpdate: addTaints, remove: removeTaints };
  return update.scaling || update.labels || update.taints ? update : undefined;
}

function describeUpdate(u: Omit<UpdateNodegroupInput, 'clientRequestToken'>): string {
  const parts: string[] = [];
  if (u.scaling) parts.push(`scaling ${u.scaling.minSize}/${u.scaling.desiredSize}/${u.scaling.maxSize}`);
  if (u.labels) parts.push('labels');
  if (u.taints) parts.push('taints');
  return parts.join(', ');
}

export async function waitActive(ctx: WaitContext, aws: AwsClients, cluster: string, name: string) {
  const ng = await waitFor(
    ctx,
    {
      what: `node group ${name}`,
      poll: () => aws.eks.describeNodegroup(cluster, name),
      state: (n) => n?.status ?? 'not found',
      done: (n) => n?.status === 'ACTIVE',
      failure: (n) => {
        if (!n) return 'it disappeared';
        if (FAILED.has(n.status)) return describeIssues(n.health);
        if (n.status === 'DELETING') return 'it is being deleted';
        return undefined;
      },
    },
    { scale: aws.timeScale },
  );
  return ng!;
}

/** Teardown: every node group of ours in the cluster, deleted concurrently, waited for. */
export function nodegroupsTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const ours = async (ctx: WaitContext & { warn(code: string, m: string): void }) => {
    const names = await listOrNone(aws, cluster);
    const groups = await Promise.all(names.map((n) => aws.eks.describeNodegroup(cluster, n)));
    const owned: EksNodegroup[] = [];
    for (const g of groups) {
      if (!g) continue;
      if (isOwned(g.tags, cluster)) owned.push(g);
      else ctx.warn('GITOPS_NOT_OURS', `node group ${g.name} is not tagged as managed by gitops; kept`);
    }
    return owned;
  };
  return {
    id: 'aws:nodegroups',
    title: 'delete node groups',
    dependsOn,
    async observe(ctx) {
      const owned = await ours(ctx);
      if (owned.length === 0) return { inSync: true, summary: 'no node groups of ours' };
      return { inSync: false, summary: `delete node groups ${owned.map((g) => g.name).join(', ')}` };
    },
    async apply(ctx) {
      const owned = await ours(ctx);
      await Promise.all(
        owned.map(async (g) => {
          if (g.status !== 'DELETING') await ignoreNotFound(aws.eks.deleteNodegroup(cluster, g.name));
          await waitFor(
            ctx,
            {
              what: `node group ${g.name}`,
              poll: () => aws.eks.describeNodegroup(cluster, g.name),
              state: (n) => n?.status ?? 'deleted',
              done: (n) => n === undefined,
              failure: (n) => (n?.status === 'DELETE_FAILED' ? describeIssues(n.health) : undefined),
            },
            { scale: aws.timeScale },
          );
        }),
      );
      return { result: 'deleted', summary: `deleted node groups ${owned.map((g) => g.name).join(', ')}` };
    },
  };
}

/** Node groups of a cluster, or none when the cluster itself is gone. */
async function listOrNone(aws: AwsClients, cluster: string): Promise<string[]> {
  try {
    return await aws.eks.listNodegroups(cluster);
  } catch (e) {
    if (hasAwsCode(e, 'ResourceNotFoundException')) return [];
    throw e;
  }
}
