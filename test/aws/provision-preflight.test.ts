// Issue #19, the preflight against today's AWS (src/integrations/aws/preflight.ts): quotas read
// from Service Quotas, and brought-your-own subnets checked before any change, one line per
// problem. Real SDK clients (EC2, EKS, Service Quotas) against the emulator.
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { checkAgainstAws } from '../../src/integrations/aws/preflight.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, createCalls, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

/** The lines of the preflight's error, or [] when it passes. */
async function preflightLines(aws: AwsClients, spec: ReturnType<typeof mlSpec>, sink = new RecordingSink()) {
  const error = await checkAgainstAws(aws, spec, sink).catch((e: unknown) => e);
  if (error === undefined) return [];
  if (!isGitopsError(error)) throw error;
  expect(error.exitCode).toBe(2);
  return [error.message, ...error.details];
}

describe('quotas', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  beforeAll(async () => {
    // A new account: no vCPUs for G and VT instances, and a raised node quota.
    emu = await startEmulator({ serviceQuotas: { 'ec2/L-DB2E81BA': 0, 'eks/L-BD136A63': 600 } });
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it("warns when a node group's maximum cannot fit its family's vCPU quota, and goes on", async () => {
    const sink = new RecordingSink();
    expect(await preflightLines(aws, mlSpec('quota'), sink)).toEqual([]);
    expect(sink.ofType('warning').map((w) => [w.code, w.message])).toEqual([
      [
        'GITOPS_VCPU_QUOTA',
        'nodeGroups[gpu]: at maxSize it needs up to 32 vCPUs of "Running On-Demand G and VT instances" (ec2 L-DB2E81BA); the account\'s quota is 0, so nodes beyond it will not start',
      ],
    ]);
    expect(
      emu.calls({ service: 'servicequotas' }).map((c) => (c.params as Record<string, string>)['QuotaCode']),
    ).toEqual(expect.arrayContaining(['L-BD136A63', 'L-1216C47A', 'L-DB2E81BA']));
  });

  it("takes the account's node quota: 500 nodes pass where the default 450 would refuse", async () => {
    const spec = mlSpec('big');
    spec.nodeGroups[0]!.maxSize = 500;
    expect(await preflightLines(aws, spec)).toEqual([]);
    spec.nodeGroups[0]!.maxSize = 700;
    expect(await preflightLines(aws, spec)).toEqual([
      "nodeGroups[cpu].maxSize: 700 is above the account's 600 nodes per managed node group (Service Quotas eks L-BD136A63); ask AWS for more, or lower it",
    ]);
  });
});

describe('brought-your-own subnets', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let ec2: EC2Client;
  let vpcId = '';
  const ids: Record<string, string> = {};

  /** A VPC laid out by hand: public subnets routed to an internet gateway, private ones not yet. */
  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    ec2 = new EC2Client(clientConfig(emu));
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const publicTable = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!
      .RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: publicTable,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw,
      }),
    );
    const subnet = async (name: string, cidr: string, az: string) => {
      ids[name] = (
        await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))
      ).Subnet!.SubnetId!;
    };
    await subnet('pubA', '10.20.0.0/24', 'us-west-2a');
    await subnet('pubB', '10.20.1.0/24', 'us-west-2b');
    await subnet('privA', '10.20.10.0/24', 'us-west-2a');
    await subnet('privB', '10.20.11.0/24', 'us-west-2b');
    for (const name of ['pubA', 'pubB'])
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicTable, SubnetId: ids[name] }));
  });
  afterAll(() => emu.stop());

  const spec = (subnetIds: string[]) =>
    mlSpec('byo', {
      network: { subnetIds },
      nodeGroups: [{ name: 'cpu', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
      ecrRepositories: [],
    });

  it('refuses subnets in one zone', async () => {
    expect(await preflightLines(aws, spec([ids['pubA']!, ids['privA']!]))).toContain(
      'network.subnetIds: all subnets are in us-west-2a; EKS needs subnets in at least two availability zones',
    );
  });

  it('public subnets only: each problem on its own line, before any change', async () => {
    emu.clearCalls();
    expect(await preflightLines(aws, spec([ids['pubA']!, ids['pubB']!]))).toEqual([
      `network.subnetIds: ${ids['pubA']} (us-west-2a) is public and receives nodes, but does not give instances public IPs (MapPublicIpOnLaunch): they could not reach EKS`,
      `network.subnetIds: ${ids['pubB']} (us-west-2b) is public and receives nodes, but does not give instances public IPs (MapPublicIpOnLaunch): they could not reach EKS`,
      `network.subnetIds: ${ids['pubA']} (us-west-2a) is public and lacks the tag kubernetes.io/role/elb=1 that load balancers find public subnets by`,
      `network.subnetIds: ${ids['pubB']} (us-west-2b) is public and lacks the tag kubernetes.io/role/elb=1 that load balancers find public subnets by`,
    ]);
    expect(createCalls(emu)).toEqual([]);
  });

  it('private subnets without a NAT route cannot take nodes', async () => {
    expect(await preflightLines(aws, spec([ids['privA']!, ids['privB']!]))).toEqual([
      'network.subnetIds: no subnet can take nodes: a private subnet needs a default route to a NAT gateway, a public one a route to an internet gateway',
    ]);
  });

  it('public subnets that map public IPs and carry the role tag are used for nodes', async () => {
    for (const name of ['pubA', 'pubB']) {
      await ec2.send(
        new ModifySubnetAttributeCommand({ SubnetId: ids[name], MapPublicIpOnLaunch: { Value: true } }),
      );
      await ec2.send(
        new CreateTagsCommand({
          Resources: [ids[name]!],
          Tags: [{ Key: 'kubernetes.io/role/elb', Value: '1' }],
        }),
      );
    }
    const byo = spec([ids['pubA']!, ids['pubB']!, ids['privA']!]);
    expect(await preflightLines(aws, byo)).toEqual([]);
    emu.clearCalls();
    const report = expectOk(await provision(byo, aws));
    expect(report.steps.find((s) => s.id === 'aws:network')?.summary).toBe(
      'using 3 given subnets in 2 zones (nodes in us-west-2a, us-west-2b)',
    );
    const ng = emu.state().eks.clusters[0]!.nodegroups[0]!;
    expect([...(ng.subnets as string[])].sort()).toEqual([ids['pubA'], ids['pubB']].sort());
    // Nothing of the network was made: the VPC is the user's.
    expect(
      emu.calls().filter((c) => /^(CreateVpc|CreateSubnet|CreateNatGateway)$/.test(c.operation)),
    ).toHaveLength(0);
  });
});
