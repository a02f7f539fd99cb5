// EC2: internet gateways, Elastic IP addresses and NAT gateways (with their pending -> available
// and deleting -> deleted lifecycles).

import { newLifecycle, startDelete } from './clock.js';
import { ipAt, parseCidr } from './cidr.js';
import type { EmulatorContext } from './context.js';
import {
  dependencyViolation,
  describe,
  type Ec2Op,
  idempotent,
  invalidParameterValue,
  notFound,
  OK,
  readTagSpecs,
  tagSet,
} from './ec2-common.js';
import { subnetOrThrow, vpcOrThrow } from './ec2-network.js';
import type { Address, InternetGateway, NatGateway } from './ec2-store.js';
import { AwsError } from './errors.js';
import { isoSeconds, type XmlObject } from './xml.js';

function igwOrThrow(ctx: EmulatorContext, id: string): InternetGateway {
  const g = ctx.ec2.internetGateways.get(id);
  if (!g)
    throw notFound('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`);
  return g;
}

function addressOrThrow(ctx: EmulatorContext, id: string): Address {
  const a = ctx.ec2.addresses.get(id);
  if (!a) throw notFound('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
  return a;
}

function natOrThrow(ctx: EmulatorContext, id: string): NatGateway {
  const n = ctx.ec2.natGateways.get(id);
  if (!n) throw notFound('NatGatewayNotFound', `The Nat Gateway ${id} was not found`);
  return n;
}

/** An address counts as associated while the NAT gateway using it holds it. */
function addressNat(ctx: EmulatorContext, a: Address): NatGateway | undefined {
  const nat = a.natGatewayId ? ctx.ec2.natGateways.get(a.natGatewayId) : undefined;
  return nat && ctx.ec2.natHoldsResources(nat) ? nat : undefined;
}

function igwXml(ctx: EmulatorContext, g: InternetGateway): XmlObject {
  return {
    internetGatewayId: g.id,
    ownerId: ctx.accountId,
    attachmentSet: g.vpcId ? [{ vpcId: g.vpcId, state: 'available' }] : [],
    tagSet: tagSet(g.tags),
  };
}

function addressXml(ctx: EmulatorContext, a: Address): XmlObject {
  const nat = addressNat(ctx, a);
  return {
    publicIp: a.publicIp,
    allocationId: a.id,
    domain: 'vpc',
    associationId: nat ? a.associationId : undefined,
    networkInterfaceId: nat?.networkInterfaceId,
    networkInterfaceOwnerId: nat ? ctx.accountId : undefined,
    privateIpAddress: nat?.privateIp,
    publicIpv4Pool: 'amazon',
    networkBorderGroup: ctx.region,
    tagSet: tagSet(a.tags),
  };
}

function natXml(ctx: EmulatorContext, n: NatGateway): XmlObject {
  const state = ctx.ec2.natState(n);
  const address = n.allocationId ? ctx.ec2.addresses.get(n.allocationId) : undefined;
  const addressStatus =
    state === 'deleted' || state === 'failed'
      ? 'disassociated'
      : state === 'pending'
        ? 'associating'
        : 'succeeded';
  return {
    createTime: isoSeconds(n.lifecycle.createdAt),
    deleteTime: state === 'deleted' && n.lifecycle.goneAt ? isoSeconds(n.lifecycle.goneAt) : undefined,
    failureCode: state === 'failed' ? n.lifecycle.failure?.code : undefined,
    failureMessage: state === 'failed' ? n.lifecycle.failure?.message : undefined,
    natGatewayAddressSet: [
      {
        allocationId: n.allocationId,
        networkInterfaceId: n.networkInterfaceId,
        privateIp: n.privateIp,
        publicIp: address?.publicIp,
        associationId: n.allocationId && addressStatus === 'succeeded' ? address?.associationId : undefined,
        isPrimary: true,
        status: addressStatus,
      },
    ],
    natGatewayId: n.id,
    state,
    subnetId: n.subnetId,
    vpcId: n.vpcId,
    tagSet: tagSet(n.tags),
    connectivityType: n.connectivityType,
  };
}

export const gatewayOps: Record<string, Ec2Op> = {
  CreateInternetGateway(ctx, p) {
    const g: InternetGateway = {
      id: ctx.ec2.newId('igw'),
      tags: readTagSpecs(p, 'internet-gateway'),
      createdAt: ctx.clock.now(),
    };
    ctx.ec2.internetGateways.set(g.id, g);
    return { internetGateway: igwXml(ctx, g) };
  },

  AttachInternetGateway(ctx, p) {
    const g = igwOrThrow(ctx, p.required('InternetGatewayId'));
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    if (g.vpcId) {
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `resource ${g.id} is already attached to network ${g.vpcId}`,
        400,
      );
    }
    if ([...ctx.ec2.internetGateways.values()].some((o) => o.vpcId === vpc.id)) {
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `Network ${vpc.id} already has an internet gateway attached`,
        400,
      );
    }
    g.vpcId = vpc.id;
    return OK;
  },

  DetachInternetGateway(ctx, p) {
    const g = igwOrThrow(ctx, p.required('InternetGatewayId'));
    const vpcId = p.required('VpcId');
    if (g.vpcId !== vpcId)
      throw new AwsError('Gateway.NotAttached', `resource ${g.id} is not attached to network ${vpcId}`, 400);
    const mapped = [...ctx.ec2.natGateways.values()].some(
      (n) => n.vpcId === vpcId && n.connectivityType === 'public' && ctx.ec2.natHoldsResources(n),
    );
    if (mapped) {
      throw dependencyViolation(
        `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    delete g.vpcId;
    return OK;
  },

  DeleteInternetGateway(ctx, p) {
    const g = igwOrThrow(ctx, p.required('InternetGatewayId'));
    if (g.vpcId)
      throw dependencyViolation(`The internetGateway '${g.id}' has dependencies and cannot be deleted.`);
    ctx.ec2.internetGateways.delete(g.id);
    return OK;
  },

  DescribeInternetGateways(ctx, p) {
    const { items, next } = describe(p, {
      idParam: 'InternetGatewayId',
      all: [...ctx.ec2.internetGateways.values()],
      idOf: (g) => g.id,
      missing: (id) =>
        notFound('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`),
      fields: {
        'internet-gateway-id': (g) => [g.id],
        'attachment.vpc-id': (g) => [g.vpcId],
        'attachment.state': (g) => (g.vpcId ? ['available'] : []),
        'owner-id': () => [ctx.accountId],
      },
      page: { min: 5, max: 1000 },
    });
    return { internetGatewaySet: items.map((g) => igwXml(ctx, g)), nextToken: next };
  },

  AllocateAddress(ctx, p) {
    const domain = p.str('Domain') ?? 'vpc';
    if (domain !== 'vpc') throw invalidParameterValue(`Invalid value '${domain}' for domain.`);
    const a: Address = {
      id: ctx.ec2.newId('eipalloc'),
      tags: readTagSpecs(p, 'elastic-ip'),
      createdAt: ctx.clock.now(),
      publicIp: ctx.ec2.nextPublicIp(),
    };
    ctx.ec2.addresses.set(a.id, a);
    return {
      publicIp: a.publicIp,
      allocationId: a.id,
      domain: 'vpc',
      publicIpv4Pool: 'amazon',
      networkBorderGroup: ctx.region,
    };
  },

  ReleaseAddress(ctx, p) {
    const byIp = p.str('PublicIp');
    const a = byIp
      ? [...ctx.ec2.addresses.values()].find((x) => x.publicIp === byIp)
      : addressOrThrow(ctx, p.required('AllocationId'));
    if (!a) throw notFound('InvalidAddress.NotFound', `Address '${byIp}' not found.`);
    if (addressNat(ctx, a)) throw new AwsError('InvalidIPAddress.InUse', 'Address is in use.', 400);
    ctx.ec2.addresses.delete(a.id);
    return OK;
  },

  DescribeAddresses(ctx, p) {
    const all = [...ctx.ec2.addresses.values()];
    for (const ip of p.list('PublicIp')) {
      if (!all.some((a) => a.publicIp === ip))
        throw notFound('InvalidAddress.NotFound', `Address '${ip}' not found.`);
    }
    const ips = new Set(p.list('PublicIp'));
    const { items } = describe(p, {
      idParam: 'AllocationId',
      all: ips.size > 0 ? all.filter((a) => ips.has(a.publicIp)) : all,
      idOf: (a) => a.id,
      missing: (id) => notFound('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`),
      fields: {
        'allocation-id': (a) => [a.id],
        'public-ip': (a) => [a.publicIp],
        domain: () => ['vpc'],
        'association-id': (a) => [addressNat(ctx, a) ? a.associationId : undefined],
        'network-interface-id': (a) => [addressNat(ctx, a)?.networkInterfaceId],
        'private-ip-address': (a) => [addressNat(ctx, a)?.privateIp],
      },
    });
    return { addressesSet: items.map((a) => addressXml(ctx, a)) };
  },

  CreateNatGateway(ctx, p) {
    const subnet = subnetOrThrow(ctx, p.required('SubnetId'));
    const connectivityType = p.str('ConnectivityType') ?? 'public';
    if (connectivityType !== 'public' && connectivityType !== 'private') {
      throw invalidParameterValue(`Invalid value '${connectivityType}' for ConnectivityType.`);
    }
    const allocationId = p.str('AllocationId');
    const tags = readTagSpecs(p, 'natgateway');
    const { id, token } = idempotent(
      ctx,
      p,
      'CreateNatGateway',
      (existing) => ctx.ec2.natGateways.has(existing),
      () => {
        let address: Address | undefined;
        if (connectivityType === 'public') {
          if (!allocationId)
            throw new AwsError('MissingParameter', 'A public NAT gateway needs an AllocationId.', 400);
          address = addressOrThrow(ctx, allocationId);
          if (addressNat(ctx, address)) {
            throw new AwsError(
              'Resource.AlreadyAssociated',
              `Elastic IP address [${allocationId}] is already associated`,
              400,
            );
          }
        }
        const cidr = parseCidr(subnet.cidr)!;
        const used = [...ctx.ec2.natGateways.values()].filter((n) => n.subnetId === subnet.id).length;
        const nat: NatGateway = {
          id: ctx.ec2.newId('nat'),
          tags,
          createdAt: ctx.clock.now(),
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          connectivityType,
          lifecycle: newLifecycle(ctx.clock, 'natCreate'),
          networkInterfaceId: ctx.ec2.newId('eni'),
          privateIp: ipAt(cidr, 4 + used),
          ...(address ? { allocationId: address.id } : {}),
        };
        if (address) {
          address.natGatewayId = nat.id;
          address.associationId = ctx.ec2.newId('eipassoc');
        }
        const hasIgw = [...ctx.ec2.internetGateways.values()].some((g) => g.vpcId === subnet.vpcId);
        const name = nat.tags.find((t) => t.Key === 'Name')?.Value ?? nat.id;
        const injected =
          ctx.lifecycleFaults.take('natgateway', name) ?? ctx.lifecycleFaults.take('natgateway', subnet.id);
        if (injected) nat.lifecycle.failure = injected;
        else if (connectivityType === 'public' && !hasIgw) {
          // AWS accepts the call, then the gateway fails: a public NAT needs an internet gateway.
          nat.lifecycle.failure = {
            status: 'failed',
            code: 'Gateway.NotAttached',
            message: `Network ${subnet.vpcId} has no Internet gateway attached`,
          };
        }
        ctx.ec2.natGateways.set(nat.id, nat);
        return nat.id;
      },
    );
    return { clientToken: token, natGateway: natXml(ctx, ctx.ec2.natGateways.get(id)!) };
  },

  DescribeNatGateways(ctx, p) {
    const { items, next } = describe(p, {
      idParam: 'NatGatewayId',
      all: [...ctx.ec2.natGateways.values()],
      idOf: (n) => n.id,
      missing: (id) => notFound('NatGatewayNotFound', `The Nat Gateway ${id} was not found`),
      fields: {
        'nat-gateway-id': (n) => [n.id],
        state: (n) => [ctx.ec2.natState(n)],
        'subnet-id': (n) => [n.subnetId],
        'vpc-id': (n) => [n.vpcId],
      },
      page: { min: 5, max: 1000 },
    });
    return { natGatewaySet: items.map((n) => natXml(ctx, n)), nextToken: next };
  },

  DeleteNatGateway(ctx, p) {
    const nat = natOrThrow(ctx, p.required('NatGatewayId'));
    if (ctx.ec2.natState(nat) === 'failed') {
      nat.lifecycle.deletingSince = ctx.clock.now();
      nat.lifecycle.goneAt = nat.lifecycle.deletingSince;
    } else startDelete(nat.lifecycle, ctx.clock, 'natDelete');
    return { natGatewayId: nat.id };
  },
};
