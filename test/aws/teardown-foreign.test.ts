// Resources that have our names but not our tags: teardown keeps them (with a warning) and
// provisioning refuses to adopt or modify them, naming the resource.
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateTagsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { RecordingSink } from '../support/recording-sink.js';
import type { EmulatorState, RunningEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator, teardown } from './fixtures.js';

const MUTATING = /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Update|Modify|Release|Allocate)/;

describe('resources with our names but not our tags', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let prereq: EksPrerequisites;
  let before: EmulatorState;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    // Roles named exactly as gitops names them (gitops-<cluster>-cluster / -node), untagged.
    prereq = await createEksPrerequisites(emu, 'gitops-foreign');
    await makePublic(emu, prereq.subnetIds);
    await new EKSClient(clientConfig(emu)).send(
      new CreateClusterCommand({
        name: 'foreign',
        roleArn: prereq.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: prereq.subnetIds },
      }),
    );
    await new ECRClient(clientConfig(emu)).send(
      new CreateRepositoryCommand({ repositoryName: 'foreign/notebook' }),
    );
    await new Promise((r) => setTimeout(r, 700)); // let the cluster become ACTIVE
    before = emu.state();
  });
  afterAll(() => emu.stop());

  const shape = (s: EmulatorState) => ({
    clusters: s.eks.clusters.map((c) => [c.name, c.status]),
    roles: s.iam.roles.map((r) => [r.RoleName, r.AttachedPolicyArns]),
    repos: s.ecr.repositories.map((r) => r.repositoryName),
    vpcs: s.ec2.vpcs.map((v) => v.id),
    subnets: s.ec2.subnets.map((v) => v.id),
  });

  it('teardown keeps them and says so', async () => {
    emu.clearCalls();
    const sink = new RecordingSink();
    const report = expectOk(await teardown('foreign', aws, { sink, force: true }));
    expect(report.steps.every((s) => s.result === 'unchanged')).toBe(true);
    expect(shape(emu.state())).toEqual(shape(before));
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    const warnings = sink.ofType('warning').map((w) => w.message);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('EKS cluster foreign is not tagged'),
        expect.stringContaining('IAM role gitops-foreign-cluster is not tagged'),
        expect.stringContaining('IAM role gitops-foreign-node is not tagged'),
      ]),
    );
  });

  it('provisioning refuses to adopt the roles and the repository', async () => {
    emu.clearCalls();
    const report = await provision(mlSpec('foreign'), aws);
    expect(report.ok).toBe(false);
    const failed = Object.fromEntries(report.steps.filter((s) => s.error).map((s) => [s.id, s.error!]));
    expect(failed['aws:iam:cluster-role']?.code).toBe('GITOPS_CONFLICT');
    expect(failed['aws:iam:cluster-role']?.message).toMatch(
      /IAM role gitops-foreign-cluster already exists and is not managed by gitops/,
    );
    expect(failed['aws:ecr:foreign/notebook']?.message).toMatch(
      /ECR repository foreign\/notebook .* not managed/,
    );
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.result).toBe('skipped');
    const touched = emu
      .calls()
      .filter((c) => MUTATING.test(c.operation))
      .filter((c) =>
        /gitops-foreign-(cluster|node)|foreign\/notebook|"name":"foreign"/.test(JSON.stringify(c.params)),
      );
    expect(touched).toEqual([]);
  });

  it('provisioning refuses the cluster even with bring-your-own roles and subnets', async () => {
    emu.clearCalls();
    const spec = mlSpec('foreign', {
      iam: { clusterRoleArn: prereq.clusterRoleArn, nodeRoleArn: prereq.nodeRoleArn },
      network: { subnetIds: prereq.subnetIds },
      ecrRepositories: [],
    });
    const report = await provision(spec, aws);
    // The create step meets the cluster first (and the wait for it never starts).
    const cluster = report.steps.find((s) => s.id === 'aws:cluster:create')!;
    expect(cluster.result).toBe('failed');
    expect(cluster.error?.message).toMatch(/EKS cluster foreign already exists and is not managed by gitops/);
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    expect(shape(emu.state()).clusters).toEqual(shape(before).clusters);
  });
});

/**
 * Subnets nodes could use (a route to an internet gateway, public IPs, the load balancer role tag),
 * so that provisioning gets past its subnet checks to the cluster it must refuse.
 */
async function makePublic(emu: RunningEmulator, subnetIds: string[]): Promise<void> {
  const ec2 = new EC2Client(clientConfig(emu));
  const [first] = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets!;
  const vpcId = first!.VpcId!;
  const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
  const table = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
  );
  await ec2.send(
    new CreateTagsCommand({ Resources: subnetIds, Tags: [{ Key: 'kubernetes.io/role/elb', Value: '1' }] }),
  );
  for (const id of subnetIds) {
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: id }));
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } }));
  }
  ec2.destroy();
}
