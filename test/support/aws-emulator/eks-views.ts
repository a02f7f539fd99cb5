// EKS resources as the rest-json API returns them (timestamps in epoch seconds).

import { modifiedAt } from './clock.js';
import type { EmulatorContext } from './context.js';
import { refreshVersion } from './eks-upgrades.js';
import type {
  AccessEntry,
  AccessPolicyAssociation,
  Addon,
  Cluster,
  EksUpdate,
  Nodegroup,
} from './eks-store.js';

export const epoch = (ms: number): number => ms / 1000;

function issues(ctx: EmulatorContext, l: Cluster['lifecycle'], resourceIds: string[]): unknown[] {
  if (ctx.eks.phase(l) !== 'failed' || !l.failure) return [];
  return [{ code: l.failure.code, message: l.failure.message, resourceIds }];
}

/** Auto Mode's members of DescribeCluster (only for clusters whose requests configured it). */
export function autoModeView(c: Cluster): { computeConfig?: unknown; storageConfig?: unknown } {
  const m = c.autoMode;
  if (!m) return {};
  return {
    computeConfig: {
      enabled: m.compute,
      ...(m.compute ? { nodePools: [...m.nodePools] } : {}),
      ...(m.nodeRoleArn ? { nodeRoleArn: m.nodeRoleArn } : {}),
    },
    storageConfig: { blockStorage: { enabled: m.blockStorage } },
  };
}

export function clusterView(ctx: EmulatorContext, c: Cluster): Record<string, unknown> {
  refreshVersion(ctx, c);
  const status = ctx.eks.status(c.lifecycle);
  // AWS only fills in the endpoint and CA once the control plane is up.
  const up = status === 'ACTIVE' || status === 'UPDATING';
  return {
    name: c.name,
    arn: c.arn,
    id: c.id,
    createdAt: epoch(c.lifecycle.createdAt),
    version: c.version,
    ...(up ? { endpoint: ctx.kube?.endpoint ?? c.placeholderEndpoint } : {}),
    roleArn: c.roleArn,
    resourcesVpcConfig: {
      subnetIds: [...c.subnetIds],
      securityGroupIds: [...c.securityGroupIds],
      clusterSecurityGroupId: c.clusterSecurityGroupId,
      vpcId: c.vpcId,
      endpointPublicAccess: c.endpointPublicAccess,
      endpointPrivateAccess: c.endpointPrivateAccess,
      publicAccessCidrs: [...c.publicAccessCidrs],
    },
    kubernetesNetworkConfig: {
      serviceIpv4Cidr: c.serviceIpv4Cidr,
      ipFamily: 'ipv4',
      ...(c.autoMode ? { elasticLoadBalancing: { enabled: c.autoMode.elasticLoadBalancing } } : {}),
    },
    ...autoModeView(c),
    logging: {
      clusterLogging: [
        { types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false },
      ],
    },
    identity: { oidc: { issuer: c.oidcIssuer } },
    status,
    certificateAuthority: up ? { data: ctx.kube?.caData ?? c.placeholderCa } : {},
    ...(c.clientRequestToken ? { clientRequestToken: c.clientRequestToken } : {}),
    platformVersion: c.platformVersion,
    upgradePolicy: { supportType: c.supportType },
    tags: { ...c.tags },
    health: { issues: issues(ctx, c.lifecycle, [c.name]) },
    accessConfig: {
      bootstrapClusterCreatorAdminPermissions: c.bootstrapClusterCreatorAdminPermissions,
      authenticationMode: c.authenticationMode,
    },
  };
}

export function nodegroupView(ctx: EmulatorContext, ng: Nodegroup): Record<string, unknown> {
  const now = ctx.clock.now();
  return {
    nodegroupName: ng.name,
    nodegroupArn: ng.arn,
    clusterName: ng.clusterName,
    version: ng.version,
    releaseVersion: ng.releaseVersion,
    createdAt: epoch(ng.lifecycle.createdAt),
    modifiedAt: epoch(modifiedAt(ng.lifecycle, now)),
    status: ctx.eks.status(ng.lifecycle),
    capacityType: ng.capacityType,
    scalingConfig: { ...ng.scalingConfig },
    instanceTypes: [...ng.instanceTypes],
    subnets: [...ng.subnets],
    amiType: ng.amiType,
    nodeRole: ng.nodeRole,
    labels: { ...ng.labels },
    taints: ng.taints.map((t) => ({ ...t })),
    resources: { autoScalingGroups: [{ name: `eks-${ng.name}-${ng.arn.slice(-36)}` }] },
    diskSize: ng.diskSize,
    health: { issues: issues(ctx, ng.lifecycle, [`eks-${ng.name}`]) },
    updateConfig: { ...ng.updateConfig },
    tags: { ...ng.tags },
  };
}

export function addonView(ctx: EmulatorContext, a: Addon): Record<string, unknown> {
  const now = ctx.clock.now();
  const associations = [...(ctx.eks.clusters.get(a.clusterName)?.podIdentityAssociations.values() ?? [])]
    .filter((p) => p.ownerArn === a.arn)
    .map((p) => p.arn);
  return {
    addonName: a.name,
    clusterName: a.clusterName,
    status: ctx.eks.status(a.lifecycle),
    addonVersion: a.version,
    health: { issues: issues(ctx, a.lifecycle, []) },
    addonArn: a.arn,
    createdAt: epoch(a.lifecycle.createdAt),
    modifiedAt: epoch(modifiedAt(a.lifecycle, now)),
    ...(a.serviceAccountRoleArn ? { serviceAccountRoleArn: a.serviceAccountRoleArn } : {}),
    ...(a.configurationValues ? { configurationValues: a.configurationValues } : {}),
    ...(associations.length > 0 ? { podIdentityAssociations: associations } : {}),
    tags: { ...a.tags },
  };
}

export function accessEntryView(clusterName: string, e: AccessEntry): Record<string, unknown> {
  return {
    clusterName,
    principalArn: e.principalArn,
    kubernetesGroups: [...e.kubernetesGroups],
    accessEntryArn: e.arn,
    createdAt: epoch(e.createdAt),
    modifiedAt: epoch(e.modifiedAt),
    tags: { ...e.tags },
    username: e.username,
    type: e.type,
  };
}

export function associationView(a: AccessPolicyAssociation): Record<string, unknown> {
  return {
    policyArn: a.policyArn,
    accessScope: { type: a.accessScope.type, namespaces: [...a.accessScope.namespaces] },
    associatedAt: epoch(a.associatedAt),
    modifiedAt: epoch(a.modifiedAt),
  };
}

export function updateView(ctx: EmulatorContext, u: EksUpdate): Record<string, unknown> {
  return {
    id: u.id,
    status: ctx.clock.now() < u.doneAt ? 'InProgress' : 'Successful',
    type: u.type,
    params: u.params.map((p) => ({ ...p })),
    createdAt: epoch(u.createdAt),
    errors: [],
  };
}
