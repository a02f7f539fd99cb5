import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeSubnets,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let ec2: EC2Client;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  ec2 = new EC2Client(clientConfig(emu));
});
afterAll(async () => {
  await emu.stop();
});

/** EC2 errors carry the code as `name` (e.g. DependencyViolation) on a generic EC2ServiceException. */
async function errorCode(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected the call to fail');
  return e.name;
}

const ours = (cluster: string) => [
  { Key: 'gitops.dev/cluster', Value: cluster },
  { Key: 'gitops.dev/managed-by', Value: 'gitops' },
];

async function waitForNat(id: string, states: string[]): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const out = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }));
    const state = out.NatGateways?.[0]?.State ?? 'missing';
    if (states.includes(state)) return state;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`NAT ${id} never reached ${states.join('/')}`);
}

describe('EC2 network', () => {
  it('lists four availability zones with zone ids', async () => {
    const out = await ec2.send(
      new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }),
    );
    expect(out.AvailabilityZones?.map((z) => [z.ZoneName, z.ZoneId])).toEqual([
      ['us-west-2a', 'usw2-az1'],
      ['us-west-2b', 'usw2-az2'],
      ['us-west-2c', 'usw2-az3'],
      ['us-west-2d', 'usw2-az4'],
    ]);
  });

  it('builds and tears down a public/private network in dependency order', async () => {
    const vpc = (
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock: '10.0.0.0/16',
          TagSpecifications: [{ ResourceType: 'vpc', Tags: ours('net') }],
        }),
      )
    ).Vpc!;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId!, EnableDnsHostnames: { Value: true } }));
    const subnet = async (cidr: string, az: string, role: string) =>
      (
        await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpc.VpcId!,
            CidrBlock: cidr,
            AvailabilityZone: az,
            TagSpecifications: [
              { ResourceType: 'subnet', Tags: [...ours('net'), { Key: role, Value: '1' }] },
            ],
          }),
        )
      ).Subnet!;
    const publicA = await subnet('10.0.0.0/20', 'us-west-2a', 'kubernetes.io/role/elb');
    const privateA = await subnet('10.0.16.0/20', 'us-west-2a', 'kubernetes.io/role/internal-elb');
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: publicA.SubnetId!, MapPublicIpOnLaunch: { Value: true } }),
    );

    const igw = (
      await ec2.send(
        new CreateInternetGatewayCommand({
          TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: ours('net') }],
        }),
      )
    ).InternetGateway!;
    await ec2.send(
      new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpc.VpcId! }),
    );
    const eip = await ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: ours('net') }],
      }),
    );
    expect(eip.PublicIp).toMatch(/^(203\.0\.113|198\.51\.100|192\.0\.2)\./);
    const nat = (
      await ec2.send(
        new CreateNatGatewayCommand({ SubnetId: publicA.SubnetId!, AllocationId: eip.AllocationId! }),
      )
    ).NatGateway!;
    expect(nat.State).toBe('pending');
    expect(await waitForNat(nat.NatGatewayId!, ['available', 'failed'])).toBe('available');

    const publicRt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId! }))).RouteTable!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: publicRt.RouteTableId!,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw.InternetGatewayId!,
      }),
    );
    const assoc = await ec2.send(
      new AssociateRouteTableCommand({ RouteTableId: publicRt.RouteTableId!, SubnetId: publicA.SubnetId! }),
    );
    expect(assoc.AssociationState?.State).toBe('associated');
    const privateRt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId! }))).RouteTable!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: privateRt.RouteTableId!,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: nat.NatGatewayId!,
      }),
    );
    const privAssoc = await ec2.send(
      new AssociateRouteTableCommand({ RouteTableId: privateRt.RouteTableId!, SubnetId: privateA.SubnetId! }),
    );

    // The VPC's own main route table exists too, untagged, with the local route.
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }),
    );
    expect(tables.RouteTables).toHaveLength(3);
    const main = tables.RouteTables!.find((t) => t.Associations?.some((a) => a.Main));
    expect(main?.Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }),
    ]);
    const priv = tables.RouteTables!.find((t) => t.RouteTableId === privateRt.RouteTableId)!;
    expect(priv.Routes?.[1]).toMatchObject({
      NatGatewayId: nat.NatGatewayId,
      State: 'active',
      Origin: 'CreateRoute',
    });
    const addr = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] })))
      .Addresses![0]!;
    expect(addr.AssociationId).toMatch(/^eipassoc-/);

    // Teardown in the wrong order fails the way AWS does.
    expect(await errorCode(ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId! })))).toBe(
      'DependencyViolation',
    );
    expect(await errorCode(ec2.send(new DeleteSubnetCommand({ SubnetId: publicA.SubnetId! })))).toBe(
      'DependencyViolation',
    );
    expect(
      await errorCode(
        ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! })),
      ),
    ).toBe('DependencyViolation');
    expect(
      await errorCode(
        ec2.send(
          new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpc.VpcId! }),
        ),
      ),
    ).toBe('DependencyViolation');
    expect(await errorCode(ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId! })))).toBe(
      'InvalidIPAddress.InUse',
    );
    expect(
      await errorCode(ec2.send(new DeleteRouteTableCommand({ RouteTableId: privateRt.RouteTableId! }))),
    ).toBe('DependencyViolation');

    // ...and succeeds in the right one.
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat.NatGatewayId! }));
    expect(await waitForNat(nat.NatGatewayId!, ['deleted'])).toBe('deleted');
    const blackhole = await ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: [privateRt.RouteTableId!] }),
    );
    expect(blackhole.RouteTables?.[0]?.Routes?.[1]?.State).toBe('blackhole');
    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId! }));
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: privAssoc.AssociationId! }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: privateRt.RouteTableId! }));
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId! }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: publicRt.RouteTableId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: publicA.SubnetId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: privateA.SubnetId! }));
    await ec2.send(
      new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpc.VpcId! }),
    );
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId! }));

    const state = emu.state().ec2;
    expect(state.vpcs.filter((v) => v.id === vpc.VpcId)).toEqual([]);
    expect(state.routeTables.filter((t) => t.vpcId === vpc.VpcId)).toEqual([]);
    // A deleted NAT gateway stays visible as 'deleted' for a while, as in AWS.
    expect(state.natGateways.find((n) => n.id === nat.NatGatewayId)?.state).toBe('deleted');
  });

  it('validates CIDRs the way EC2 does', async () => {
    expect(await errorCode(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })))).toBe(
      'InvalidVpc.Range',
    );
    expect(await errorCode(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.1/16' })))).toBe(
      'InvalidParameterValue',
    );
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!;
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.VpcId!,
        CidrBlock: '10.1.0.0/24',
        AvailabilityZone: 'us-west-2a',
      }),
    );
    expect(
      await errorCode(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpc.VpcId!,
            CidrBlock: '10.2.0.0/24',
            AvailabilityZone: 'us-west-2a',
          }),
        ),
      ),
    ).toBe('InvalidSubnet.Range');
    expect(
      await errorCode(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpc.VpcId!,
            CidrBlock: '10.1.0.0/20',
            AvailabilityZone: 'us-west-2b',
          }),
        ),
      ),
    ).toBe('InvalidSubnet.Conflict');
    expect(
      await errorCode(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpc.VpcId!,
            CidrBlock: '10.1.9.0/24',
            AvailabilityZone: 'us-west-2z',
          }),
        ),
      ),
    ).toBe('InvalidParameterValue');
    expect(
      await errorCode(ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-0000', CidrBlock: '10.1.9.0/24' }))),
    ).toBe('InvalidVpcID.NotFound');
    expect(await errorCode(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-missing'] })))).toBe(
      'InvalidSubnetID.NotFound',
    );
    expect(
      await errorCode(
        ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })),
      ),
    ).toBe('InvalidParameterValue');
    expect(await errorCode(ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16', DryRun: true })))).toBe(
      'DryRunOperation',
    );
  });

  it('filters by tags (tag:Key, tag-key, wildcards) and paginates Describe*', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const s = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpc.VpcId!,
          CidrBlock: `10.20.${i}.0/24`,
          TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `paged-${i}` }] }],
        }),
      );
      ids.push(s.Subnet!.SubnetId!);
    }
    await ec2.send(
      new CreateTagsCommand({ Resources: ids.slice(0, 2), Tags: [{ Key: 'tier', Value: 'public' }] }),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[1]!], Tags: [{ Key: 'tier' }] }));
    // Values survive the form encoding, the signature and the XML answer unchanged.
    const odd = `a&b <c> "d" 'e' ü/=+ %20`;
    await ec2.send(new CreateTagsCommand({ Resources: [ids[2]!], Tags: [{ Key: 'odd value', Value: odd }] }));
    const oddOut = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:odd value', Values: [odd] }] }),
    );
    expect(oddOut.Subnets?.map((s) => s.Tags?.find((t) => t.Key === 'odd value')?.Value)).toEqual([odd]);
    const byTag = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:tier', Values: ['public'] }] }),
    );
    expect(byTag.Subnets?.map((s) => s.SubnetId)).toEqual([ids[0]]);
    const byKey = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag-key', Values: ['tier'] }] }),
    );
    expect(byKey.Subnets).toHaveLength(1);
    const wild = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'tag:Name', Values: ['paged-?', 'nothing*'] },
          { Name: 'vpc-id', Values: [vpc.VpcId!] },
        ],
      }),
    );
    expect(wild.Subnets).toHaveLength(7);

    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeSubnets(
      { client: ec2, pageSize: 5 },
      { Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] },
    )) {
      pages++;
      seen.push(...(page.Subnets ?? []).map((s) => s.SubnetId!));
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(ids);
    expect(await errorCode(ec2.send(new DescribeSubnetsCommand({ MaxResults: 2 })))).toBe(
      'InvalidParameterValue',
    );
  });

  it('honours ClientToken on CreateNatGateway and CreateRouteTable', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!;
    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.30.0.0/24' })))
      .Subnet!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(
      new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpc.VpcId! }),
    );
    const eip = await ec2.send(new AllocateAddressCommand({}));
    const create = () =>
      ec2.send(
        new CreateNatGatewayCommand({
          SubnetId: s.SubnetId!,
          AllocationId: eip.AllocationId!,
          ClientToken: 'nat-token-1',
        }),
      );
    const first = await create();
    const second = await create();
    expect(second.NatGateway?.NatGatewayId).toBe(first.NatGateway?.NatGatewayId);
    expect(second.ClientToken).toBe('nat-token-1');
    const listed = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'subnet-id', Values: [s.SubnetId!] }] }),
    );
    expect(listed.NatGateways).toHaveLength(1);
    expect(
      await errorCode(
        ec2.send(
          new CreateNatGatewayCommand({
            SubnetId: s.SubnetId!,
            ConnectivityType: 'private',
            ClientToken: 'nat-token-1',
          }),
        ),
      ),
    ).toBe('IdempotentParameterMismatch');

    const rt1 = await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId!, ClientToken: 'rt-token' }));
    const rt2 = await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId!, ClientToken: 'rt-token' }));
    expect(rt2.RouteTable?.RouteTableId).toBe(rt1.RouteTable?.RouteTableId);

    // ReplaceRoute swaps the target of an existing route only.
    const rtId = rt1.RouteTable!.RouteTableId!;
    const natId = first.NatGateway!.NatGatewayId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: rtId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw.InternetGatewayId!,
      }),
    );
    await ec2.send(
      new ReplaceRouteCommand({ RouteTableId: rtId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId }),
    );
    const replaced = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtId] }));
    expect(replaced.RouteTables?.[0]?.Routes?.[1]).toMatchObject({
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    expect(replaced.RouteTables?.[0]?.Routes?.[1]?.GatewayId).toBeUndefined();
    expect(
      await errorCode(
        ec2.send(
          new ReplaceRouteCommand({
            RouteTableId: rtId,
            DestinationCidrBlock: '10.9.0.0/16',
            NatGatewayId: natId,
          }),
        ),
      ),
    ).toBe('InvalidParameterValue');
    const calls = emu.calls({ service: 'ec2', operation: 'CreateRouteTable' });
    expect(
      calls.filter((c) => (c.params as { ClientToken?: string }).ClientToken === 'rt-token'),
    ).toHaveLength(2);
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }),
    );
    expect(tables.RouteTables).toHaveLength(2); // the main table + the one idempotent create
  });

  it('stands still while the clock is paused', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!;
    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.50.0.0/24' })))
      .Subnet!;
    await fetch(`${emu.url}/_emulator/clock`, { method: 'POST', body: JSON.stringify({ paused: true }) });
    const nat = (
      await ec2.send(new CreateNatGatewayCommand({ SubnetId: s.SubnetId!, ConnectivityType: 'private' }))
    ).NatGateway!;
    await new Promise((r) => setTimeout(r, 300)); // more than the 120 ms a NAT gateway takes here
    const during = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGatewayId!] }));
    expect(during.NatGateways?.[0]?.State).toBe('pending');
    emu.resumeClock();
    expect(await waitForNat(nat.NatGatewayId!, ['available', 'failed'])).toBe('available');
  });

  it('fails a public NAT gateway whose VPC has no internet gateway, as AWS does', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!;
    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.40.0.0/24' })))
      .Subnet!;
    const eip = await ec2.send(new AllocateAddressCommand({}));
    const nat = (
      await ec2.send(new CreateNatGatewayCommand({ SubnetId: s.SubnetId!, AllocationId: eip.AllocationId! }))
    ).NatGateway!;
    expect(await waitForNat(nat.NatGatewayId!, ['available', 'failed'])).toBe('failed');
    const out = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGatewayId!] }));
    expect(out.NatGateways?.[0]).toMatchObject({ FailureCode: 'Gateway.NotAttached' });
    // A failed gateway releases its address and subnet.
    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    const gws = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpc.VpcId!] }] }),
    );
    expect(gws.InternetGateways).toEqual([]);
  });
});
