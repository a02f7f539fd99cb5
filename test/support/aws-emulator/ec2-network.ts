// EC2: availability zones, VPCs and subnets.

import { contains, overlaps, parseCidr, size } from './cidr.js';
import type { EmulatorContext } from './context.js';
import {
  dependencyViolation,
  describe,
  type Ec2Op,
  invalidParameterValue,
  notFound,
  OK,
  readTagSpecs,
  tagSet,
} from './ec2-common.js';
import type { Subnet, Vpc } from './ec2-store.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './query.js';
import type { XmlObject } from './xml.js';
import { availabilityZones } from './zones.js';

// Zones live in zones.ts (EKS needs them too); re-exported for the modules that import them here.
export { availabilityZones } from './zones.js';

export function vpcXml(ctx: EmulatorContext, v: Vpc): XmlObject {
  return {
    vpcId: v.id,
    ownerId: ctx.accountId,
    state: 'available',
    cidrBlock: v.cidr,
    cidrBlockAssociationSet: [
      { cidrBlock: v.cidr, associationId: v.cidrAssociationId, cidrBlockState: { state: 'associated' } },
    ],
    dhcpOptionsId: 'default',
    instanceTenancy: v.tenancy,
    isDefault: false,
    tagSet: tagSet(v.tags),
  };
}

export function subnetXml(ctx: EmulatorContext, s: Subnet): XmlObject {
  const cidr = parseCidr(s.cidr);
  const natEnis = [...ctx.ec2.natGateways.values()].filter(
    (n) => n.subnetId === s.id && ctx.ec2.natHoldsResources(n),
  );
  return {
    subnetId: s.id,
    subnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${s.id}`,
    state: 'available',
    ownerId: ctx.accountId,
    vpcId: s.vpcId,
    cidrBlock: s.cidr,
    // AWS reserves five addresses per subnet; each NAT gateway takes one more.
    availableIpAddressCount: cidr ? size(cidr) - 5 - natEnis.length : 0,
    availabilityZone: s.az,
    availabilityZoneId: s.azId,
    defaultForAz: false,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    tagSet: tagSet(s.tags),
  };
}

export function vpcOrThrow(ctx: EmulatorContext, id: string): Vpc {
  const v = ctx.ec2.vpcs.get(id);
  if (!v) throw notFound('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  return v;
}

export function subnetOrThrow(ctx: EmulatorContext, id: string): Subnet {
  const s = ctx.ec2.subnets.get(id);
  if (!s) throw notFound('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
  return s;
}

function booleanAttribute(p: QueryParams, names: string[]): [string, boolean] {
  const given = names.filter((n) => p.str(`${n}.Value`) !== undefined);
  if (given.length !== 1) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Exactly one attribute can be modified at a time.',
      400,
    );
  }
  const name = given[0]!;
  return [name, p.bool(`${name}.Value`) ?? false];
}

export const networkOps: Record<string, Ec2Op> = {
  DescribeAvailabilityZones(ctx, p) {
    const zones = availabilityZones(ctx.region).map((z) => ({ ...z, tags: [] }));
    const { items } = describe(p, {
      idParam: 'ZoneName',
      all: zones,
      idOf: (z) => z.name,
      missing: (id) => invalidParameterValue(`The zone '${id}' does not exist.`),
      fields: {
        'zone-name': (z) => [z.name],
        'zone-id': (z) => [z.id],
        'region-name': () => [ctx.region],
        state: () => ['available'],
        'zone-type': () => ['availability-zone'],
        'opt-in-status': () => ['opt-in-not-required'],
      },
    });
    return {
      availabilityZoneInfo: items.map((z) => ({
        zoneName: z.name,
        zoneState: 'available',
        regionName: ctx.region,
        zoneId: z.id,
        zoneType: 'availability-zone',
        optInStatus: 'opt-in-not-required',
        groupName: ctx.region,
        networkBorderGroup: ctx.region,
        messageSet: [],
      })),
    };
  },

  CreateVpc(ctx, p) {
    const text = p.required('CidrBlock');
    const cidr = parseCidr(text);
    if (!cidr)
      throw invalidParameterValue(
        `Value (${text}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      );
    if (cidr.prefix < 16 || cidr.prefix > 28)
      throw new AwsError('InvalidVpc.Range', `The CIDR '${text}' is invalid.`, 400);
    const tags = readTagSpecs(p, 'vpc');
    const id = ctx.ec2.newId('vpc');
    const mainRouteTableId = ctx.ec2.newId('rtb');
    const vpc: Vpc = {
      id,
      tags,
      createdAt: ctx.clock.now(),
      cidr: text,
      cidrAssociationId: ctx.ec2.newId('vpc-cidr-assoc'),
      dnsSupport: true,
      dnsHostnames: false,
      tenancy: p.str('InstanceTenancy') ?? 'default',
      mainRouteTableId,
    };
    ctx.ec2.vpcs.set(id, vpc);
    // Every VPC comes with a main route table holding the local route, as in AWS.
    ctx.ec2.routeTables.set(mainRouteTableId, {
      id: mainRouteTableId,
      tags: [],
      createdAt: vpc.createdAt,
      vpcId: id,
      routes: [{ destination: text, gatewayId: 'local', origin: 'CreateRouteTable' }],
      associations: [{ id: ctx.ec2.newId('rtbassoc'), main: true }],
    });
    return { vpc: vpcXml(ctx, vpc) };
  },

  DescribeVpcs(ctx, p) {
    const { items, next } = describe(p, {
      idParam: 'VpcId',
      all: [...ctx.ec2.vpcs.values()],
      idOf: (v) => v.id,
      missing: (id) => notFound('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
      fields: {
        'vpc-id': (v) => [v.id],
        cidr: (v) => [v.cidr],
        'cidr-block-association.cidr-block': (v) => [v.cidr],
        state: () => ['available'],
        'is-default': () => ['false'],
        'owner-id': () => [ctx.accountId],
        'dhcp-options-id': () => ['default'],
      },
      page: { min: 5, max: 1000 },
    });
    return { vpcSet: items.map((v) => vpcXml(ctx, v)), nextToken: next };
  },

  DescribeVpcAttribute(ctx, p) {
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    const attribute = p.required('Attribute');
    if (attribute === 'enableDnsSupport')
      return { vpcId: vpc.id, enableDnsSupport: { value: vpc.dnsSupport } };
    if (attribute === 'enableDnsHostnames')
      return { vpcId: vpc.id, enableDnsHostnames: { value: vpc.dnsHostnames } };
    throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid.`);
  },

  ModifyVpcAttribute(ctx, p) {
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    const [name, value] = booleanAttribute(p, ['EnableDnsSupport', 'EnableDnsHostnames']);
    if (name === 'EnableDnsSupport') vpc.dnsSupport = value;
    else vpc.dnsHostnames = value;
    return OK;
  },

  DeleteVpc(ctx, p) {
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    const dependents = [
      ...[...ctx.ec2.subnets.values()].filter((s) => s.vpcId === vpc.id).map((s) => s.id),
      ...[...ctx.ec2.internetGateways.values()].filter((g) => g.vpcId === vpc.id).map((g) => g.id),
      ...[...ctx.ec2.routeTables.values()]
        .filter((r) => r.vpcId === vpc.id && r.id !== vpc.mainRouteTableId)
        .map((r) => r.id),
      ...[...ctx.ec2.natGateways.values()]
        .filter((n) => n.vpcId === vpc.id && ctx.ec2.natHoldsResources(n))
        .map((n) => n.id),
    ];
    if (dependents.length > 0) {
      throw dependencyViolation(`The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
    }
    ctx.ec2.routeTables.delete(vpc.mainRouteTableId);
    ctx.ec2.vpcs.delete(vpc.id);
    return OK;
  },

  CreateSubnet(ctx, p) {
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    const text = p.required('CidrBlock');
    const cidr = parseCidr(text);
    if (!cidr)
      throw invalidParameterValue(
        `Value (${text}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      );
    const vpcCidr = parseCidr(vpc.cidr)!;
    if (cidr.prefix < 16 || cidr.prefix > 28 || !contains(vpcCidr, cidr)) {
      throw new AwsError('InvalidSubnet.Range', `The CIDR '${text}' is invalid.`, 400);
    }
    for (const other of ctx.ec2.subnets.values()) {
      if (other.vpcId === vpc.id && overlaps(parseCidr(other.cidr)!, cidr)) {
        throw new AwsError('InvalidSubnet.Conflict', `The CIDR '${text}' conflicts with another subnet`, 400);
      }
    }
    const zones = availabilityZones(ctx.region);
    const azName = p.str('AvailabilityZone');
    const azId = p.str('AvailabilityZoneId');
    const zone =
      azName !== undefined || azId !== undefined
        ? zones.find((z) => z.name === azName || z.id === azId)
        : zones[ctx.ec2.subnets.size % zones.length];
    if (!zone) {
      throw invalidParameterValue(
        `Value (${azName ?? azId}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`,
      );
    }
    const subnet: Subnet = {
      id: ctx.ec2.newId('subnet'),
      tags: readTagSpecs(p, 'subnet'),
      createdAt: ctx.clock.now(),
      vpcId: vpc.id,
      cidr: text,
      az: zone.name,
      azId: zone.id,
      mapPublicIpOnLaunch: false,
    };
    ctx.ec2.subnets.set(subnet.id, subnet);
    return { subnet: subnetXml(ctx, subnet) };
  },

  DescribeSubnets(ctx, p) {
    const { items, next } = describe(p, {
      idParam: 'SubnetId',
      all: [...ctx.ec2.subnets.values()],
      idOf: (s) => s.id,
      missing: (id) => notFound('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
      fields: {
        'subnet-id': (s) => [s.id],
        'vpc-id': (s) => [s.vpcId],
        'availability-zone': (s) => [s.az],
        'availability-zone-id': (s) => [s.azId],
        'cidr-block': (s) => [s.cidr],
        state: () => ['available'],
        'default-for-az': () => ['false'],
        'map-public-ip-on-launch': (s) => [String(s.mapPublicIpOnLaunch)],
        'owner-id': () => [ctx.accountId],
      },
      page: { min: 5, max: 1000 },
    });
    return { subnetSet: items.map((s) => subnetXml(ctx, s)), nextToken: next };
  },

  ModifySubnetAttribute(ctx, p) {
    const subnet = subnetOrThrow(ctx, p.required('SubnetId'));
    const [, value] = booleanAttribute(p, ['MapPublicIpOnLaunch']);
    subnet.mapPublicIpOnLaunch = value;
    return OK;
  },

  DeleteSubnet(ctx, p) {
    const subnet = subnetOrThrow(ctx, p.required('SubnetId'));
    const nat = [...ctx.ec2.natGateways.values()].some(
      (n) => n.subnetId === subnet.id && ctx.ec2.natHoldsResources(n),
    );
    // EKS clusters and node groups keep network interfaces in their subnets.
    if (nat || ctx.eks.subnetInUse(subnet.id)) {
      throw dependencyViolation(`The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
    }
    for (const rt of ctx.ec2.routeTables.values()) {
      rt.associations = rt.associations.filter((a) => a.subnetId !== subnet.id);
    }
    ctx.ec2.subnets.delete(subnet.id);
    return OK;
  },
};
