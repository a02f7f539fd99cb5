// EKS managed node groups: create (validated as EKS does), describe, list, delete, and
// UpdateNodegroupConfig (scaling, labels, taints).

import { newLifecycle, startDelete } from './clock.js';
import type { EmulatorContext } from './context.js';
import { checkServiceRole, checkSubnets } from './eks-clusters.js';
import {
  activeClusterOrThrow,
  checkName,
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  listPage,
  readTags,
  replayed,
  replayedUpdate,
  requestFingerprint,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import {
  checkNodegroupCompute,
  defaultInstanceType,
  maxNodesPerNodegroup,
  NODEGROUP_LIMITS,
} from './eks-nodegroup-checks.js';
import type { Cluster, Nodegroup } from './eks-store.js';
import { nodegroupView, updateView } from './eks-views.js';
import type { JsonInput } from './json-input.js';

const AMI_TYPES = [
  'AL2_x86_64',
  'AL2_x86_64_GPU',
  'AL2_ARM_64',
  'AL2023_x86_64_STANDARD',
  'AL2023_ARM_64_STANDARD',
  'AL2023_x86_64_NVIDIA',
  'AL2023_ARM_64_NVIDIA',
  'AL2023_x86_64_NEURON',
  'BOTTLEROCKET_x86_64',
  'BOTTLEROCKET_ARM_64',
  'BOTTLEROCKET_x86_64_NVIDIA',
  'BOTTLEROCKET_ARM_64_NVIDIA',
  'CUSTOM',
];
const CAPACITY_TYPES = ['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK'];
const TAINT_EFFECTS = ['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE'];
/** EKS refuses a node role without these (the ECR one may be the read-only or pull-only policy). */
const NODE_POLICIES = ['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy'];
const NODE_ECR_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
];

function nodegroupOrThrow(c: Cluster, name: string): Nodegroup {
  const ng = c.nodegroups.get(name);
  if (!ng)
    throw resourceNotFound(`No node group found for name: ${name}.`, {
      clusterName: c.name,
      nodegroupName: name,
    });
  return ng;
}

function readScaling(
  s: JsonInput | undefined,
  prior?: Nodegroup['scalingConfig'],
): Nodegroup['scalingConfig'] {
  const minSize = s?.int('minSize') ?? prior?.minSize ?? 1;
  const maxSize = s?.int('maxSize') ?? prior?.maxSize ?? 2;
  const desiredSize = s?.int('desiredSize') ?? prior?.desiredSize ?? minSize;
  if (minSize < 0 || maxSize < 1 || minSize > maxSize || desiredSize < minSize || desiredSize > maxSize) {
    throw invalidParameter(
      `Invalid scalingConfig: need 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1 (got ${minSize}/${desiredSize}/${maxSize}).`,
    );
  }
  return { minSize, maxSize, desiredSize };
}

function readTaints(list: JsonInput[] | undefined): Nodegroup['taints'] {
  return (list ?? []).map((t) => {
    const key = t.required('key');
    const effect = t.required('effect');
    if (!TAINT_EFFECTS.includes(effect)) throw invalidParameter(`Invalid taint effect ${effect}`);
    const value = t.str('value');
    return value !== undefined ? { key, value, effect } : { key, effect };
  });
}

function checkNodeRole(ctx: EmulatorContext, arn: string): void {
  checkServiceRole(ctx, arn, 'ec2.amazonaws.com');
  const attached = ctx.iam.roleByArn(arn)?.attachedPolicies ?? [];
  const missing = NODE_POLICIES.filter((p) => !attached.includes(p));
  if (!NODE_ECR_POLICIES.some((p) => attached.includes(p))) missing.push(NODE_ECR_POLICIES[0]!);
  if (missing.length > 0) {
    throw invalidParameter(
      `The provided role doesn't have the Amazon EKS Managed Policies associated with it. Please ensure the following policies [${missing.join(', ')}] are attached`,
    );
  }
}

export const nodegroupOps: Record<string, EksOp> = {
  CreateNodegroup(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const name = body.required('nodegroupName');
    checkName('Nodegroup', name, 63);
    const existing = c.nodegroups.get(name);
    const again = replayed(existing, body, labels);
    if (again) return { nodegroup: nodegroupView(ctx, again) };
    if (existing) {
      throw resourceInUse(`NodeGroup already exists with name ${name} and cluster name ${c.name}`, {
        clusterName: c.name,
        nodegroupName: name,
      });
    }
    activeClusterOrThrow(ctx, c.name);
    const nodeRole = body.required('nodeRole');
    checkNodeRole(ctx, nodeRole);
    const subnets = body.strings('subnets') ?? [];
    if (checkSubnets(ctx, subnets, 1) !== c.vpcId)
      throw invalidParameter('Subnets are not in the same VPC as the cluster.');
    const amiType = body.str('amiType') ?? 'AL2023_x86_64_STANDARD';
    if (!AMI_TYPES.includes(amiType)) throw invalidParameter(`Invalid amiType ${amiType}`);
    const capacityType = body.str('capacityType') ?? 'ON_DEMAND';
    if (!CAPACITY_TYPES.includes(capacityType))
      throw invalidParameter(`Invalid capacityType ${capacityType}`);
    const version = body.str('version') ?? c.version;
    if (version !== c.version)
      throw invalidParameter(`Nodegroup version ${version} must match cluster version ${c.version}.`);
    const instanceTypes = body.strings('instanceTypes') ?? [defaultInstanceType(amiType)];
    const scalingConfig = readScaling(body.obj('scalingConfig'));
    const taints = readTaints(body.objs('taints'));
    checkNodegroupCompute(ctx, {
      clusterName: c.name,
      nodegroupName: name,
      version,
      amiType,
      instanceTypes,
      subnetZones: [...new Set(subnets.map((s) => ctx.ec2.subnets.get(s)!.az))],
      maxSize: scalingConfig.maxSize,
      taints: taints.length,
      diskSize: body.int('diskSize'),
      existingNodegroups: c.nodegroups.size,
    });
    const update = body.obj('updateConfig');
    const token = body.str('clientRequestToken');
    const ng: Nodegroup = {
      name,
      arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:nodegroup/${c.name}/${name}/${ctx.random.uuid()}`,
      clusterName: c.name,
      version,
      releaseVersion: body.str('releaseVersion') ?? `${version}.0-20250101`,
      lifecycle: newLifecycle(ctx.clock, 'nodegroupCreate'),
      capacityType,
      scalingConfig,
      instanceTypes,
      subnets,
      amiType,
      nodeRole,
      labels: body.stringMap('labels') ?? {},
      taints,
      diskSize: body.int('diskSize') ?? 20,
      tags: readTags(body),
      updateConfig:
        update?.int('maxUnavailablePercentage') !== undefined
          ? { maxUnavailablePercentage: update.int('maxUnavailablePercentage')! }
          : { maxUnavailable: update?.int('maxUnavailable') ?? 1 },
      ...(token !== undefined ? { clientRequestToken: token } : {}),
      fingerprint: requestFingerprint(body, labels),
    };
    const failure = ctx.lifecycleFaults.take('nodegroup', name);
    if (failure) ng.lifecycle.failure = failure;
    c.nodegroups.set(name, ng);
    return { nodegroup: nodegroupView(ctx, ng) };
  },

  DescribeNodegroup(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    return { nodegroup: nodegroupView(ctx, nodegroupOrThrow(c, labels.nodegroupName!)) };
  },

  ListNodegroups(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.clusterName!);
    const page = listPage([...c.nodegroups.keys()], input, `nodegroups:${c.name}`);
    return { nodegroups: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  DeleteNodegroup(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const ng = nodegroupOrThrow(c, labels.nodegroupName!);
    startDelete(ng.lifecycle, ctx.clock, 'nodegroupDelete');
    return { nodegroup: nodegroupView(ctx, ng) };
  },

  UpdateNodegroupConfig(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const ng = nodegroupOrThrow(c, labels.nodegroupName!);
    const status = ctx.eks.status(ng.lifecycle);
    if (status !== 'ACTIVE' && status !== 'DEGRADED') {
      throw resourceInUse(`Nodegroup ${ng.name} cannot be updated in status ${status}.`, {
        clusterName: c.name,
        nodegroupName: ng.name,
      });
    }
    // The same clientRequestToken again is a retry of that update: answered, not applied again.
    const idem = replayedUpdate(
      c.updates.filter((u) => u.nodegroupName === ng.name),
      body,
      labels,
    );
    if ('replay' in idem) return { update: updateView(ctx, idem.replay) };
    const params: { type: string; value: string }[] = [];
    const scaling = body.obj('scalingConfig');
    if (scaling) {
      const next = readScaling(scaling, ng.scalingConfig);
      if (next.maxSize > maxNodesPerNodegroup(ctx)) {
        throw invalidParameter(
          `maxSize ${next.maxSize} exceeds the ${maxNodesPerNodegroup(ctx)} nodes a managed node group may have.`,
        );
      }
      for (const [k, type] of [
        ['minSize', 'MinSize'],
        ['maxSize', 'MaxSize'],
        ['desiredSize', 'DesiredSize'],
      ] as const) {
        if (next[k] !== ng.scalingConfig[k]) params.push({ type, value: String(next[k]) });
      }
      ng.scalingConfig = next;
    }
    const lbl = body.obj('labels');
    const add = lbl?.stringMap('addOrUpdateLabels') ?? {};
    const remove = lbl?.strings('removeLabels') ?? [];
    if (Object.keys(add).length > 0) params.push({ type: 'LabelsToAdd', value: JSON.stringify(add) });
    if (remove.length > 0) params.push({ type: 'LabelsToRemove', value: JSON.stringify(remove) });
    ng.labels = Object.fromEntries(
      Object.entries({ ...ng.labels, ...add }).filter(([k]) => !remove.includes(k)),
    );
    const taints = body.obj('taints');
    const addTaints = readTaints(taints?.objs('addOrUpdateTaints'));
    const removeTaints = readTaints(taints?.objs('removeTaints'));
    if (addTaints.length > 0) params.push({ type: 'TaintsToAdd', value: JSON.stringify(addTaints) });
    if (removeTaints.length > 0) params.push({ type: 'TaintsToRemove', value: JSON.stringify(removeTaints) });
    const kept = ng.taints.filter(
      (t) => !removeTaints.some((r) => r.key === t.key) && !addTaints.some((a) => a.key === t.key),
    );
    if (kept.length + addTaints.length > NODEGROUP_LIMITS.taints) {
      throw invalidParameter(`A node group can have at most ${NODEGROUP_LIMITS.taints} taints.`);
    }
    ng.taints = [...kept, ...addTaints];
    if (params.length === 0) throw invalidParameter('No changes needed');
    const now = ctx.clock.now();
    ng.lifecycle.updatingUntil = ctx.clock.after('nodegroupUpdate', now);
    const update = {
      id: ctx.random.uuid(),
      type: 'ConfigUpdate',
      params,
      createdAt: now,
      doneAt: ng.lifecycle.updatingUntil,
      nodegroupName: ng.name,
      ...idem.record,
    };
    c.updates.push(update);
    return { update: updateView(ctx, update) };
  },
};
