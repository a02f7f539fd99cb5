/** EC2's SDK shapes to the port's: the one place that knows both. */
import type * as Sdk from '@aws-sdk/client-ec2';
import type { ElasticIp, InternetGateway, NatGateway, RouteTable, Subnet } from '../ports.js';
import { tagsFromList } from './common.js';

export function toSubnet(s: Sdk.Subnet): Subnet {
  return {
    id: s.SubnetId ?? '',
    vpcId: s.VpcId ?? '',
    availabilityZone: s.AvailabilityZone ?? '',
    cidr: s.CidrBlock ?? '',
    mapPublicIpOnLaunch: s.MapPublicIpOnLaunch === true,
    tags: tagsFromList(s.Tags),
  };
}

export function toIgw(g: Sdk.InternetGateway): InternetGateway {
  return {
    id: g.InternetGatewayId ?? '',
    attachedVpcIds: (g.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : [])),
    tags: tagsFromList(g.Tags),
  };
}

export function toRouteTable(t: Sdk.RouteTable): RouteTable {
  return {
    id: t.RouteTableId ?? '',
    vpcId: t.VpcId ?? '',
    main: (t.Associations ?? []).some((a) => a.Main === true),
    associations: (t.Associations ?? []).map((a) => ({
      id: a.RouteTableAssociationId ?? '',
      main: a.Main === true,
      ...(a.SubnetId ? { subnetId: a.SubnetId } : {}),
    })),
    routes: (t.Routes ?? []).map((r) => ({
      destination: r.DestinationCidrBlock ?? '',
      ...(r.GatewayId ? { gatewayId: r.GatewayId } : {}),
      ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : {}),
      ...(r.State ? { state: r.State } : {}),
    })),
    tags: tagsFromList(t.Tags),
  };
}

export function toAddress(a: Sdk.Address): ElasticIp {
  return {
    allocationId: a.AllocationId ?? '',
    tags: tagsFromList(a.Tags),
    ...(a.PublicIp ? { publicIp: a.PublicIp } : {}),
    ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
  };
}

export function toNat(n: Sdk.NatGateway): NatGateway {
  const failure = [n.FailureCode, n.FailureMessage].filter(Boolean).join(': ');
  return {
    id: n.NatGatewayId ?? '',
    vpcId: n.VpcId ?? '',
    subnetId: n.SubnetId ?? '',
    state: n.State ?? 'unknown',
    allocationIds: (n.NatGatewayAddresses ?? []).flatMap((a) => (a.AllocationId ? [a.AllocationId] : [])),
    tags: tagsFromList(n.Tags),
    ...(failure ? { failure } : {}),
  };
}
