// EKS clusters: create (with AWS's validations), describe, list, delete; tags on any EKS ARN;
// DescribeUpdate.

import { newLifecycle, startDelete } from './clock.js';
import type { EmulatorContext } from './context.js';
import {
  checkName,
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  listPage,
  readTags,
  replayed,
  requestFingerprint,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import { creatorAccessEntry } from './eks-access.js';
import { checkAutoModeRoles, readAutoMode } from './eks-automode.js';
import { autoModeAccessEntries } from './eks-automode-access.js';
import type { Cluster } from './eks-store.js';
import { readEndpointAccess } from './eks-endpoint.js';
import { clusterView, updateView } from './eks-views.js';
import { AwsError } from './errors.js';
import { availabilityZones } from './zones.js';
import { JsonInput } from './json-input.js';

const AUTH_MODES = ['API', 'API_AND_CONFIG_MAP', 'CONFIG_MAP'];

/** A role exists and its trust policy lets the given AWS service assume it. */
export function checkServiceRole(ctx: EmulatorContext, arn: string, service: string): void {
  const role = ctx.iam.roleByArn(arn);
  if (!role || !ctx.iam.trustedServices(role).includes(service)) {
    throw invalidParameter(
      `Role with arn: ${arn}, could not be assumed because it does not exist or the trusted entity is not correct`,
    );
  }
}

/** Subnets exist, share one VPC, and (for clusters) span at least two AZs. */
export function checkSubnets(ctx: EmulatorContext, ids: string[], minAzs: number): string {
  if (ids.length === 0) throw invalidParameter('Subnets are required.');
  const subnets = ids.map((id) => {
    const s = ctx.ec2.subnets.get(id);
    if (!s)
      throw invalidParameter(`The subnet ID '${id}' does not exist (Service: AmazonEC2; Status Code: 400)`);
    return s;
  });
  const vpcs = new Set(subnets.map((s) => s.vpcId));
  if (vpcs.size > 1) throw invalidParameter('Subnets specified must be in the same VPC');
  if (new Set(subnets.map((s) => s.az)).size < minAzs) {
    throw new AwsError(
      'InvalidParameterException',
      `Subnets specified must be in at least ${minAzs === 2 ? 'two' : minAzs} different AZs`,
      400,
    );
  }
  return [...vpcs][0]!;
}

/** EKS does not place control planes in some zones; its error names the ones to use instead. */
function checkControlPlaneZones(ctx: EmulatorContext, name: string, subnetIds: string[]): void {
  const refused = ctx.eksUnsupportedZones;
  const bad = subnetIds.map((id) => ctx.ec2.subnets.get(id)!.az).find((z) => refused.includes(z));
  if (bad === undefined) return;
  const validZones = availabilityZones(ctx.region)
    .map((z) => z.name)
    .filter((z) => !refused.includes(z));
  throw new AwsError(
    'UnsupportedAvailabilityZoneException',
    `Cannot create cluster '${name}' because ${bad}, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: ${validZones.join(', ')}`,
    400,
    { clusterName: name, validZones },
  );
}

function placeholderCa(ctx: EmulatorContext): string {
  const pem = `-----BEGIN CERTIFICATE-----\nRU1VTEFUT1ItUExBQ0VIT0xERVItQ0E${ctx.random.hex(40)}\n-----END CERTIFICATE-----\n`;
  return Buffer.from(pem).toString('base64');
}

/** The resource an EKS ARN names, for the tagging calls. */
function taggedResource(ctx: EmulatorContext, arn: string): { tags: Record<string, string> } {
  const m =
    /^arn:aws:eks:([a-z0-9-]+):(\d{12}):(cluster|nodegroup|addon|access-entry|podidentityassociation)\/([^/]+)(\/.*)?$/.exec(
      arn,
    );
  if (!m) throw new AwsError('BadRequestException', `${arn} is not a valid EKS resource ARN.`, 400);
  ctx.eks.sweep();
  const c = ctx.eks.clusters.get(m[4]!);
  const children: Record<string, Iterable<{ arn: string; tags: Record<string, string> }>> = {
    nodegroup: c?.nodegroups.values() ?? [],
    addon: c?.addons.values() ?? [],
    'access-entry': c?.accessEntries.values() ?? [],
    podidentityassociation: c?.podIdentityAssociations.values() ?? [],
  };
  const found =
    m[3] === 'cluster' ? (c?.arn === arn ? c : undefined) : [...children[m[3]!]!].find((r) => r.arn === arn);
  if (!found) throw new AwsError('NotFoundException', `Resource not found: ${arn}`, 404);
  return found;
}

export const clusterOps: Record<string, EksOp> = {
  CreateCluster(ctx, { body, caller }) {
    const name = body.required('name');
    checkName('Cluster', name, 100);
    ctx.eks.sweep();
    const existing = ctx.eks.clusters.get(name);
    const again = replayed(existing, body, {});
    if (again) return { cluster: clusterView(ctx, again) };
    if (existing) throw resourceInUse(`Cluster already exists with name: ${name}`, { clusterName: name });
    const today = ctx.clock.now();
    const version = body.str('version') ?? ctx.eksVersions.defaultVersion(today);
    if (!ctx.eksVersions.isOffered(version, today)) {
      const offered = ctx.eksVersions.offered(today).map((v) => v.version);
      throw invalidParameter(`unsupported Kubernetes version ${version}; supported: ${offered.join(', ')}`);
    }
    const supportType = body.obj('upgradePolicy')?.str('supportType') ?? 'EXTENDED';
    const roleArn = body.required('roleArn');
    checkServiceRole(ctx, roleArn, 'eks.amazonaws.com');
    const vpcConfig = body.obj('resourcesVpcConfig');
    if (!vpcConfig) throw invalidParameter('resourcesVpcConfig is required.');
    const subnetIds = vpcConfig.strings('subnetIds') ?? [];
    const vpcId = checkSubnets(ctx, subnetIds, 2);
    const endpoint = readEndpointAccess(vpcConfig);
    checkControlPlaneZones(ctx, name, subnetIds);
    const access = body.obj('accessConfig');
    const authenticationMode = access?.str('authenticationMode') ?? 'API_AND_CONFIG_MAP';
    if (!AUTH_MODES.includes(authenticationMode))
      throw invalidParameter(`Invalid authenticationMode ${authenticationMode}`);
    const tags = readTags(body);
    const autoMode = readAutoMode(body);
    const bootstrap = body.bool('bootstrapSelfManagedAddons');
    if (autoMode?.compute) {
      if (bootstrap === true) {
        throw invalidParameter(
          'When EKS Auto Mode is enabled, bootstrapSelfManagedAddons must be set to false.',
        );
      }
      checkAutoModeRoles(ctx, { roleArn, authenticationMode }, autoMode, invalidParameter);
    }
    const token = body.str('clientRequestToken');
    const now = ctx.clock.now();
    const cluster: Cluster = {
      name,
      arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:cluster/${name}`,
      id: ctx.random.uuid(),
      version,
      roleArn,
      vpcId,
      subnetIds,
      securityGroupIds: vpcConfig.strings('securityGroupIds') ?? [],
      clusterSecurityGroupId: `sg-${ctx.random.hex(17)}`,
      endpointPublicAccess: endpoint.publicAccess,
      endpointPrivateAccess: endpoint.privateAccess,
      publicAccessCidrs: endpoint.publicCidrs,
      serviceIpv4Cidr: body.obj('kubernetesNetworkConfig')?.str('serviceIpv4Cidr') ?? '10.100.0.0/16',
      tags,
      lifecycle: newLifecycle(ctx.clock, 'clusterCreate'),
      authenticationMode,
      bootstrapClusterCreatorAdminPermissions:
        access?.bool('bootstrapClusterCreatorAdminPermissions') ?? true,
      // Auto Mode clusters run these networking add-ons themselves, so EKS does not install them.
      bootstrapSelfManagedAddons: bootstrap ?? !autoMode?.compute,
      ...(autoMode ? { autoMode } : {}),
      creatorArn: caller.canonicalArn,
      placeholderEndpoint: `https://${ctx.random.hex(32).toUpperCase()}.gr7.${ctx.region}.eks.amazonaws.com`,
      placeholderCa: placeholderCa(ctx),
      oidcIssuer: `https://oidc.eks.${ctx.region}.amazonaws.com/id/${ctx.random.hex(32).toUpperCase()}`,
      ...(token !== undefined ? { clientRequestToken: token } : {}),
      fingerprint: requestFingerprint(body, {}),
      nodegroups: new Map(),
      addons: new Map(),
      accessEntries: new Map(),
      podIdentityAssociations: new Map(),
      updates: [],
      platformVersion: ctx.eksVersions.find(version)?.defaultPlatformVersion ?? 'eks.1',
      supportType: supportType === 'STANDARD' ? 'STANDARD' : 'EXTENDED',
    };
    const failure = ctx.lifecycleFaults.take('cluster', name);
    if (failure) cluster.lifecycle.failure = failure;
    // With access entries enabled, EKS gives the creator a cluster-admin entry (as AWS does).
    if (cluster.bootstrapClusterCreatorAdminPermissions && authenticationMode !== 'CONFIG_MAP') {
      const entry = creatorAccessEntry(ctx, cluster, caller, now);
      cluster.accessEntries.set(entry.principalArn, entry);
    }
    autoModeAccessEntries(ctx, cluster, now);
    ctx.eks.clusters.set(name, cluster);
    return { cluster: clusterView(ctx, cluster) };
  },

  DescribeCluster(ctx, { labels }) {
    return { cluster: clusterView(ctx, clusterOrThrow(ctx, labels.name!)) };
  },

  ListClusters(ctx, input) {
    ctx.eks.sweep();
    const page = listPage([...ctx.eks.clusters.keys()], input, 'clusters');
    return { clusters: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  DeleteCluster(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const status = ctx.eks.status(c.lifecycle);
    if (c.nodegroups.size > 0) {
      throw resourceInUse(`Cluster has nodegroups attached`, { clusterName: c.name });
    }
    if (status === 'CREATING' || status === 'UPDATING') {
      throw resourceInUse(`Cluster ${c.name} is currently ${status.toLowerCase()} and cannot be deleted.`, {
        clusterName: c.name,
      });
    }
    startDelete(c.lifecycle, ctx.clock, 'clusterDelete');
    return { cluster: clusterView(ctx, c) };
  },

  DescribeUpdate(ctx, { labels, query }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const ng = query.get('nodegroupName') ?? undefined;
    const addon = query.get('addonName') ?? undefined;
    const u = c.updates.find(
      (x) => x.id === labels.updateId && x.nodegroupName === ng && x.addonName === addon,
    );
    if (!u) throw resourceNotFound(`No update found for ID: ${labels.updateId}`, { clusterName: c.name });
    return { update: updateView(ctx, u) };
  },

  TagResource(ctx, { labels, body }) {
    const r = taggedResource(ctx, labels.resourceArn!);
    const merged = { ...r.tags, ...(body.stringMap('tags') ?? {}) };
    readTags(new JsonInput({ tags: merged }));
    r.tags = merged;
    return {};
  },

  UntagResource(ctx, { labels, query }) {
    const r = taggedResource(ctx, labels.resourceArn!);
    for (const k of query.getAll('tagKeys')) delete r.tags[k];
    return {};
  },

  ListTagsForResource(ctx, { labels }) {
    return { tags: { ...taggedResource(ctx, labels.resourceArn!).tags } };
  },
};
