/** EKS's SDK shapes to the port's, and back: the one place that knows both. */
import type * as Sdk from '@aws-sdk/client-eks';
import type { Taint } from '../../../spec/schema.js';
import type { EksAddon, EksCluster, EksNodegroup } from '../ports.js';
import { healthIssues } from './common.js';
import { autoModeOf } from './eks-automode.js';
import { endpointAccessOf } from './eks-updates.js';

const EFFECT_TO_AWS = {
  NoSchedule: 'NO_SCHEDULE',
  PreferNoSchedule: 'PREFER_NO_SCHEDULE',
  NoExecute: 'NO_EXECUTE',
} as const;
const EFFECT_FROM_AWS: Record<string, Taint['effect']> = {
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
};

export function toAwsTaint(t: Taint): Sdk.Taint {
  return {
    key: t.key,
    effect: EFFECT_TO_AWS[t.effect],
    ...(t.value === undefined ? {} : { value: t.value }),
  };
}

export function fromAwsTaint(t: Sdk.Taint): Taint {
  const effect = EFFECT_FROM_AWS[t.effect ?? ''] ?? 'NoSchedule';
  return { key: t.key ?? '', effect, ...(t.value === undefined || t.value === '' ? {} : { value: t.value }) };
}

export function toCluster(c: Sdk.Cluster): EksCluster {
  return {
    name: c.name ?? '',
    arn: c.arn ?? '',
    status: c.status ?? 'UNKNOWN',
    version: c.version ?? '',
    roleArn: c.roleArn ?? '',
    subnetIds: c.resourcesVpcConfig?.subnetIds ?? [],
    ...(c.resourcesVpcConfig?.vpcId ? { vpcId: c.resourcesVpcConfig.vpcId } : {}),
    tags: c.tags ?? {},
    health: healthIssues(c.health?.issues),
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.certificateAuthority?.data ? { certificateAuthority: c.certificateAuthority.data } : {}),
    ...(c.accessConfig?.authenticationMode ? { authenticationMode: c.accessConfig.authenticationMode } : {}),
    ...(c.createdAt ? { createdAt: c.createdAt } : {}),
    ...optionalAccess(endpointAccessOf(c)),
    ...optionalAutoMode(autoModeOf(c)),
  };
}

function optionalAutoMode(mode: EksCluster['autoMode']) {
  return mode === undefined ? {} : { autoMode: mode };
}

function optionalAccess(access: EksCluster['endpointAccess']) {
  return access === undefined ? {} : { endpointAccess: access };
}

export function toNodegroup(n: Sdk.Nodegroup): EksNodegroup {
  return {
    name: n.nodegroupName ?? '',
    clusterName: n.clusterName ?? '',
    arn: n.nodegroupArn ?? '',
    status: n.status ?? 'UNKNOWN',
    ...(n.version ? { version: n.version } : {}),
    nodeRoleArn: n.nodeRole ?? '',
    subnetIds: n.subnets ?? [],
    instanceTypes: n.instanceTypes ?? [],
    scaling: {
      minSize: n.scalingConfig?.minSize ?? 0,
      maxSize: n.scalingConfig?.maxSize ?? 0,
      desiredSize: n.scalingConfig?.desiredSize ?? 0,
    },
    labels: n.labels ?? {},
    taints: (n.taints ?? []).map(fromAwsTaint),
    tags: n.tags ?? {},
    health: healthIssues(n.health?.issues),
    ...(n.amiType ? { amiType: n.amiType } : {}),
    ...(n.capacityType ? { capacityType: n.capacityType } : {}),
    ...(n.diskSize !== undefined ? { diskSize: n.diskSize } : {}),
    ...(n.modifiedAt ? { modifiedAt: n.modifiedAt } : {}),
  };
}

export function toAddon(a: Sdk.Addon): EksAddon {
  return {
    name: a.addonName ?? '',
    clusterName: a.clusterName ?? '',
    arn: a.addonArn ?? '',
    status: a.status ?? 'UNKNOWN',
    version: a.addonVersion ?? '',
    tags: a.tags ?? {},
    health: healthIssues(a.health?.issues),
    podIdentityAssociations: a.podIdentityAssociations ?? [],
    ...(a.configurationValues ? { configurationValues: a.configurationValues } : {}),
    ...(a.modifiedAt ? { modifiedAt: a.modifiedAt } : {}),
  };
}
