/** Ec2Port over @aws-sdk/client-ec2 (ec2 query protocol). */
import type * as Sdk from '@aws-sdk/client-ec2';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type {
  Ec2Filter,
  Ec2Port,
  ElasticIp,
  InternetGateway,
  NatGateway,
  RouteTable,
  RouteTarget,
  Subnet,
  Tags,
  Vpc,
} from '../ports.js';
import type { InstanceTypeInfo } from '../ports-compute.js';
import { allPages, call, tagsFromList, tagsToList } from './common.js';
import * as region from './ec2-region.js';
import { toAddress, toIgw, toNat, toRouteTable, toSubnet } from './ec2-shapes.js';

type Client = Sdk.EC2Client;

export class Ec2Adapter implements Ec2Port {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Client }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-ec2');
      return { sdk, client: abortable(new sdk.EC2Client(await sdkClientConfig(settings)), settings.signal) };
    });
  }

  private async run<T>(operation: string, fn: (sdk: typeof Sdk, client: Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.load();
    return call('EC2', operation, () => fn(sdk, client));
  }

  describeInstanceTypes(names: readonly string[]): Promise<InstanceTypeInfo[]> {
    return region.describeInstanceTypes((op, fn) => this.run(op, fn), names);
  }

  instanceTypeZones(names: readonly string[]): Promise<Map<string, string[]>> {
    return region.instanceTypeZones((op, fn) => this.run(op, fn), names);
  }

  availabilityZones(): Promise<string[]> {
    return region.availabilityZones((op, fn) => this.run(op, fn));
  }

  async tagResource(id: string, tags: Tags): Promise<void> {
    await this.run('CreateTags', (sdk, c) =>
      c.send(new sdk.CreateTagsCommand({ Resources: [id], Tags: tagsToList(tags) })),
    );
  }

  describeVpcs(filter: Ec2Filter): Promise<Vpc[]> {
    return this.run('DescribeVpcs', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeVpcsCommand({
            ...filters(filter),
            ...(filter.ids ? { VpcIds: filter.ids } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        const items = (r.Vpcs ?? []).map((v) => ({
          id: v.VpcId ?? '',
          cidr: v.CidrBlock ?? '',
          state: v.State ?? 'unknown',
          tags: tagsFromList(v.Tags),
        }));
        return { items, next: r.NextToken };
      }),
    );
  }

  createVpc(cidr: string, tags: Tags): Promise<Vpc> {
    return this.run('CreateVpc', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: spec('vpc', tags) }),
      );
      return {
        id: r.Vpc?.VpcId ?? '',
        cidr,
        state: r.Vpc?.State ?? 'pending',
        tags: tagsFromList(r.Vpc?.Tags),
      };
    });
  }

  async enableVpcDns(vpcId: string): Promise<void> {
    // EKS needs both for private endpoint access; AWS takes one attribute per call.
    await this.run('ModifyVpcAttribute', (sdk, c) =>
      c.send(new sdk.ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } })),
    );
    await this.run('ModifyVpcAttribute', (sdk, c) =>
      c.send(new sdk.ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })),
    );
  }

  async deleteVpc(vpcId: string): Promise<void> {
    await this.run('DeleteVpc', (sdk, c) => c.send(new sdk.DeleteVpcCommand({ VpcId: vpcId })));
  }

  describeSubnets(filter: Ec2Filter): Promise<Subnet[]> {
    return this.run('DescribeSubnets', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeSubnetsCommand({
            ...filters(filter),
            ...(filter.ids ? { SubnetIds: filter.ids } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: (r.Subnets ?? []).map(toSubnet), next: r.NextToken };
      }),
    );
  }

  createSubnet(vpcId: string, cidr: string, availabilityZone: string, tags: Tags): Promise<Subnet> {
    return this.run('CreateSubnet', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: availabilityZone,
          TagSpecifications: spec('subnet', tags),
        }),
      );
      return toSubnet(r.Subnet ?? {});
    });
  }

  async mapPublicIpOnLaunch(subnetId: string): Promise<void> {
    await this.run('ModifySubnetAttribute', (sdk, c) =>
      c.send(
        new sdk.ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }),
      ),
    );
  }

  async deleteSubnet(subnetId: string): Promise<void> {
    await this.run('DeleteSubnet', (sdk, c) => c.send(new sdk.DeleteSubnetCommand({ SubnetId: subnetId })));
  }

  describeInternetGateways(filter: Ec2Filter): Promise<InternetGateway[]> {
    return this.run('DescribeInternetGateways', (sdk, c) =>
      allPages(async (NextToken) => {
        const f = filters({ ...filter, vpcId: undefined });
        if (filter.vpcId) f.Filters.push({ Name: 'attachment.vpc-id', Values: [filter.vpcId] });
        const r = await c.send(
          new sdk.DescribeInternetGatewaysCommand({
            ...f,
            ...(filter.ids ? { InternetGatewayIds: filter.ids } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: (r.InternetGateways ?? []).map(toIgw), next: r.NextToken };
      }),
    );
  }

  createInternetGateway(tags: Tags): Promise<InternetGateway> {
    return this.run('CreateInternetGateway', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateInternetGatewayCommand({ TagSpecifications: spec('internet-gateway', tags) }),
      );
      return toIgw(r.InternetGateway ?? {});
    });
  }

  async attachInternetGateway(igwId: string, vpcId: string): Promise<void> {
    await this.run('AttachInternetGateway', (sdk, c) =>
      c.send(new sdk.AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })),
    );
  }

  async detachInternetGateway(igwId: string, vpcId: string): Promise<void> {
    await this.run('DetachInternetGateway', (sdk, c) =>
      c.send(new sdk.DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })),
    );
  }

  async deleteInternetGateway(igwId: string): Promise<void> {
    await this.run('DeleteInternetGateway', (sdk, c) =>
      c.send(new sdk.DeleteInternetGatewayCommand({ InternetGatewayId: igwId })),
    );
  }

  describeRouteTables(filter: Ec2Filter): Promise<RouteTable[]> {
    return this.run('DescribeRouteTables', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeRouteTablesCommand({
            ...filters(filter),
            ...(filter.ids ? { RouteTableIds: filter.ids } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: (r.RouteTables ?? []).map(toRouteTable), next: r.NextToken };
      }),
    );
  }

  createRouteTable(vpcId: string, tags: Tags, clientToken: string): Promise<RouteTable> {
    return this.run('CreateRouteTable', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateRouteTableCommand({
          VpcId: vpcId,
          TagSpecifications: spec('route-table', tags),
          ClientToken: clientToken,
        }),
      );
      return toRouteTable(r.RouteTable ?? {});
    });
  }

  async createRoute(routeTableId: string, destination: string, target: RouteTarget): Promise<void> {
    await this.run('CreateRoute', (sdk, c) =>
      c.send(
        new sdk.CreateRouteCommand({
          RouteTableId: routeTableId,
          DestinationCidrBlock: destination,
          ...routeTarget(target),
        }),
      ),
    );
  }

  async replaceRoute(routeTableId: string, destination: string, target: RouteTarget): Promise<void> {
    await this.run('ReplaceRoute', (sdk, c) =>
      c.send(
        new sdk.ReplaceRouteCommand({
          RouteTableId: routeTableId,
          DestinationCidrBlock: destination,
          ...routeTarget(target),
        }),
      ),
    );
  }

  async associateRouteTable(routeTableId: string, subnetId: string): Promise<void> {
    await this.run('AssociateRouteTable', (sdk, c) =>
      c.send(new sdk.AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId })),
    );
  }

  async disassociateRouteTable(associationId: string): Promise<void> {
    await this.run('DisassociateRouteTable', (sdk, c) =>
      c.send(new sdk.DisassociateRouteTableCommand({ AssociationId: associationId })),
    );
  }

  async deleteRouteTable(routeTableId: string): Promise<void> {
    await this.run('DeleteRouteTable', (sdk, c) =>
      c.send(new sdk.DeleteRouteTableCommand({ RouteTableId: routeTableId })),
    );
  }

  describeAddresses(filter: Ec2Filter): Promise<ElasticIp[]> {
    return this.run('DescribeAddresses', async (sdk, c) => {
      const r = await c.send(
        new sdk.DescribeAddressesCommand({
          ...filters({ ...filter, vpcId: undefined }),
          ...(filter.ids ? { AllocationIds: filter.ids } : {}),
        }),
      );
      return (r.Addresses ?? []).map(toAddress);
    });
  }

  allocateAddress(tags: Tags): Promise<ElasticIp> {
    return this.run('AllocateAddress', async (sdk, c) => {
      const r = await c.send(
        new sdk.AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: spec('elastic-ip', tags) }),
      );
      return { allocationId: r.AllocationId ?? '', tags, ...(r.PublicIp ? { publicIp: r.PublicIp } : {}) };
    });
  }

  async releaseAddress(allocationId: string): Promise<void> {
    await this.run('ReleaseAddress', (sdk, c) =>
      c.send(new sdk.ReleaseAddressCommand({ AllocationId: allocationId })),
    );
  }

  describeNatGateways(filter: Ec2Filter): Promise<NatGateway[]> {
    return this.run('DescribeNatGateways', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeNatGatewaysCommand({
            Filter: filters(filter).Filters,
            ...(filter.ids ? { NatGatewayIds: filter.ids } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: (r.NatGateways ?? []).map(toNat), next: r.NextToken };
      }),
    );
  }

  createNatGateway(
    subnetId: string,
    allocationId: string,
    tags: Tags,
    clientToken: string,
  ): Promise<NatGateway> {
    return this.run('CreateNatGateway', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateNatGatewayCommand({
          SubnetId: subnetId,
          AllocationId: allocationId,
          ConnectivityType: 'public',
          TagSpecifications: spec('natgateway', tags),
          ClientToken: clientToken,
        }),
      );
      return toNat(r.NatGateway ?? {});
    });
  }

  async deleteNatGateway(natGatewayId: string): Promise<void> {
    await this.run('DeleteNatGateway', (sdk, c) =>
      c.send(new sdk.DeleteNatGatewayCommand({ NatGatewayId: natGatewayId })),
    );
  }
}

function filters(f: { tags?: Tags | undefined; vpcId?: string | undefined }) {
  const out: { Name: string; Values: string[] }[] = [];
  for (const [k, v] of Object.entries(f.tags ?? {})) out.push({ Name: `tag:${k}`, Values: [v] });
  if (f.vpcId) out.push({ Name: 'vpc-id', Values: [f.vpcId] });
  return { Filters: out };
}

function spec(resourceType: Sdk.ResourceType, tags: Tags): Sdk.TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: tagsToList(tags) }];
}

function routeTarget(t: RouteTarget): { GatewayId: string } | { NatGatewayId: string } {
  return 'gatewayId' in t ? { GatewayId: t.gatewayId } : { NatGatewayId: t.natGatewayId };
}
