// EC2: route tables, routes, subnet associations, and tags on any EC2 resource.

import type { EmulatorContext } from './context.js';
import {
  checkTag,
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
import type { Route, RouteTable } from './ec2-store.js';
import type { QueryParams } from './query.js';
import { AwsError } from './errors.js';
import type { XmlObject } from './xml.js';

function tableOrThrow(ctx: EmulatorContext, id: string): RouteTable {
  const t = ctx.ec2.routeTables.get(id);
  if (!t) throw notFound('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
  return t;
}

/** The one target of CreateRoute/ReplaceRoute: an internet gateway attached to the table's VPC or a live NAT gateway in it. */
function routeTarget(
  ctx: EmulatorContext,
  t: RouteTable,
  p: QueryParams,
): { gatewayId: string } | { natGatewayId: string } {
  const gatewayId = p.str('GatewayId');
  const natGatewayId = p.str('NatGatewayId');
  if ((gatewayId === undefined) === (natGatewayId === undefined)) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Exactly one route target (GatewayId or NatGatewayId) is required.',
      400,
    );
  }
  if (gatewayId !== undefined) {
    const g = ctx.ec2.internetGateways.get(gatewayId);
    if (!g) throw notFound('InvalidGatewayID.NotFound', `The gateway ID '${gatewayId}' does not exist`);
    if (g.vpcId !== t.vpcId) {
      throw invalidParameterValue(
        `route table ${t.id} and network gateway ${gatewayId} belong to different networks`,
      );
    }
    return { gatewayId };
  }
  const nat = ctx.ec2.natGateways.get(natGatewayId!);
  if (!nat || ctx.ec2.natState(nat) === 'deleted') {
    throw notFound('InvalidNatGatewayID.NotFound', `The natGateway ID '${natGatewayId}' does not exist`);
  }
  if (nat.vpcId !== t.vpcId) {
    throw invalidParameterValue(
      `route table ${t.id} and NAT gateway ${natGatewayId} belong to different networks`,
    );
  }
  return { natGatewayId: natGatewayId! };
}

/** A route whose target has gone (NAT deleted, gateway detached) is a blackhole. */
function routeState(ctx: EmulatorContext, table: RouteTable, r: Route): string {
  if (r.natGatewayId) {
    const nat = ctx.ec2.natGateways.get(r.natGatewayId);
    return nat && ctx.ec2.natState(nat) !== 'deleted' && ctx.ec2.natState(nat) !== 'failed'
      ? 'active'
      : 'blackhole';
  }
  if (r.gatewayId && r.gatewayId !== 'local') {
    return ctx.ec2.internetGateways.get(r.gatewayId)?.vpcId === table.vpcId ? 'active' : 'blackhole';
  }
  return 'active';
}

function tableXml(ctx: EmulatorContext, t: RouteTable): XmlObject {
  return {
    routeTableId: t.id,
    vpcId: t.vpcId,
    ownerId: ctx.accountId,
    routeSet: t.routes.map((r) => ({
      destinationCidrBlock: r.destination,
      gatewayId: r.gatewayId,
      natGatewayId: r.natGatewayId,
      state: routeState(ctx, t, r),
      origin: r.origin,
    })),
    associationSet: t.associations.map((a) => ({
      main: a.main,
      routeTableAssociationId: a.id,
      routeTableId: t.id,
      subnetId: a.subnetId,
      associationState: { state: 'associated' },
    })),
    propagatingVgwSet: [],
    tagSet: tagSet(t.tags),
  };
}

/** The NotFound code EC2 uses for an id of this kind. */
function missingResource(id: string): AwsError {
  const codes: [string, string][] = [
    ['vpc-', 'InvalidVpcID.NotFound'],
    ['subnet-', 'InvalidSubnetID.NotFound'],
    ['igw-', 'InvalidInternetGatewayID.NotFound'],
    ['rtb-', 'InvalidRouteTableID.NotFound'],
    ['eipalloc-', 'InvalidAllocationID.NotFound'],
    ['nat-', 'InvalidNatGatewayID.NotFound'],
  ];
  const code = codes.find(([prefix]) => id.startsWith(prefix))?.[1];
  return code
    ? notFound(code, `The ID '${id}' does not exist`)
    : new AwsError('InvalidID', `The ID '${id}' is not valid`, 400);
}

export const routeOps: Record<string, Ec2Op> = {
  CreateRouteTable(ctx, p) {
    const vpc = vpcOrThrow(ctx, p.required('VpcId'));
    const tags = readTagSpecs(p, 'route-table');
    const { id, token } = idempotent(
      ctx,
      p,
      'CreateRouteTable',
      (existing) => ctx.ec2.routeTables.has(existing),
      () => {
        const t: RouteTable = {
          id: ctx.ec2.newId('rtb'),
          tags,
          createdAt: ctx.clock.now(),
          vpcId: vpc.id,
          routes: [{ destination: vpc.cidr, gatewayId: 'local', origin: 'CreateRouteTable' }],
          associations: [],
        };
        ctx.ec2.routeTables.set(t.id, t);
        return t.id;
      },
    );
    return { routeTable: tableXml(ctx, ctx.ec2.routeTables.get(id)!), clientToken: token };
  },

  DescribeRouteTables(ctx, p) {
    const { items, next } = describe(p, {
      idParam: 'RouteTableId',
      all: [...ctx.ec2.routeTables.values()],
      idOf: (t) => t.id,
      missing: (id) => notFound('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`),
      fields: {
        'route-table-id': (t) => [t.id],
        'vpc-id': (t) => [t.vpcId],
        'owner-id': () => [ctx.accountId],
        'association.main': (t) => t.associations.map((a) => String(a.main)),
        'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
        'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
        'association.route-table-id': (t) => (t.associations.length > 0 ? [t.id] : []),
        'route.destination-cidr-block': (t) => t.routes.map((r) => r.destination),
        'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
        'route.nat-gateway-id': (t) => t.routes.map((r) => r.natGatewayId),
      },
      page: { min: 5, max: 100 },
    });
    return { routeTableSet: items.map((t) => tableXml(ctx, t)), nextToken: next };
  },

  DeleteRouteTable(ctx, p) {
    const t = tableOrThrow(ctx, p.required('RouteTableId'));
    if (t.associations.length > 0) {
      throw dependencyViolation(`The routeTable '${t.id}' has dependencies and cannot be deleted.`);
    }
    ctx.ec2.routeTables.delete(t.id);
    return OK;
  },

  CreateRoute(ctx, p) {
    const t = tableOrThrow(ctx, p.required('RouteTableId'));
    const destination = p.required('DestinationCidrBlock');
    const target = routeTarget(ctx, t, p);
    if (t.routes.some((r) => r.destination === destination)) {
      throw new AwsError('RouteAlreadyExists', `The route identified by ${destination} already exists.`, 400);
    }
    t.routes.push({ destination, origin: 'CreateRoute', ...target });
    return OK;
  },

  /** Points an existing route at another target in one call (no gap in connectivity). */
  ReplaceRoute(ctx, p) {
    const t = tableOrThrow(ctx, p.required('RouteTableId'));
    const destination = p.required('DestinationCidrBlock');
    const target = routeTarget(ctx, t, p);
    const i = t.routes.findIndex((r) => r.destination === destination && r.origin === 'CreateRoute');
    if (i < 0) {
      throw invalidParameterValue(
        `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
      );
    }
    t.routes[i] = { destination, origin: 'CreateRoute', ...target };
    return OK;
  },

  DeleteRoute(ctx, p) {
    const t = tableOrThrow(ctx, p.required('RouteTableId'));
    const destination = p.required('DestinationCidrBlock');
    const i = t.routes.findIndex((r) => r.destination === destination && r.origin === 'CreateRoute');
    if (i < 0)
      throw notFound(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${destination} in route table ${t.id}`,
      );
    t.routes.splice(i, 1);
    return OK;
  },

  AssociateRouteTable(ctx, p) {
    const t = tableOrThrow(ctx, p.required('RouteTableId'));
    const subnet = subnetOrThrow(ctx, p.required('SubnetId'));
    if (subnet.vpcId !== t.vpcId) {
      throw invalidParameterValue(`Route table ${t.id} and subnet ${subnet.id} belong to different networks`);
    }
    for (const other of ctx.ec2.routeTables.values()) {
      if (other.associations.some((a) => a.subnetId === subnet.id)) {
        throw new AwsError(
          'Resource.AlreadyAssociated',
          `the specified association for route table ${t.id} conflicts with an existing association`,
          400,
        );
      }
    }
    const association = { id: ctx.ec2.newId('rtbassoc'), subnetId: subnet.id, main: false };
    t.associations.push(association);
    return { associationId: association.id, associationState: { state: 'associated' } };
  },

  DisassociateRouteTable(ctx, p) {
    const id = p.required('AssociationId');
    for (const t of ctx.ec2.routeTables.values()) {
      const a = t.associations.find((x) => x.id === id);
      if (!a) continue;
      if (a.main) throw invalidParameterValue('Cannot disassociate the main route table association');
      t.associations = t.associations.filter((x) => x.id !== id);
      return OK;
    }
    throw notFound('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
  },

  CreateTags(ctx, p) {
    const ids = p.list('ResourceId');
    const tags = p
      .structs('Tag')
      .map((t) => checkTag({ Key: t.required('Key'), Value: t.str('Value') ?? '' }));
    if (ids.length === 0)
      throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet', 400);
    // Check every id before changing anything: EC2 tags all or none.
    const resources = ids.map((id) => {
      const r = ctx.ec2.taggable(id);
      if (!r) throw missingResource(id);
      return r;
    });
    for (const r of resources) {
      const merged = new Map(r.tags.map((t) => [t.Key, t.Value]));
      for (const t of tags) merged.set(t.Key, t.Value);
      if (merged.size > 50)
        throw new AwsError('TagLimitExceeded', 'The maximum number of tags (50) was exceeded.', 400);
      r.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
    }
    return OK;
  },

  DeleteTags(ctx, p) {
    const ids = p.list('ResourceId');
    const doomed = p.structs('Tag').map((t) => ({ key: t.required('Key'), value: t.str('Value') }));
    for (const id of ids) {
      const r = ctx.ec2.taggable(id);
      if (!r) throw missingResource(id);
      r.tags = r.tags.filter(
        (t) =>
          !(
            doomed.length === 0 ||
            doomed.some((d) => d.key === t.Key && (d.value === undefined || d.value === t.Value))
          ),
      );
    }
    return OK;
  },
};
