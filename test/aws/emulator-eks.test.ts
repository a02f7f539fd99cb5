import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  InvalidParameterException,
  ListClustersCommand,
  ListNodegroupsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateNodegroupConfigCommand,
  waitUntilClusterActive,
  waitUntilClusterDeleted,
  waitUntilNodegroupActive,
  waitUntilNodegroupDeleted,
} from '@aws-sdk/client-eks';
import { DeleteSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';

const KUBE = {
  endpoint: 'https://127.0.0.1:6443',
  caData: Buffer.from('-----BEGIN CERTIFICATE-----\ntest\n').toString('base64'),
};
// Waiters poll every 50-200 ms: at timeScale 0.001 a cluster takes 540 ms, a node group 240 ms.
const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };

let emu: RunningEmulator;
let eks: EKSClient;
let pre: EksPrerequisites;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001, kubeApiserver: KUBE });
  eks = new EKSClient(clientConfig(emu));
  pre = await createEksPrerequisites(emu);
});
afterAll(async () => {
  await emu.stop();
});

const clusterInput = (
  name: string,
  extra: Partial<ConstructorParameters<typeof CreateClusterCommand>[0]> = {},
) => ({
  name,
  version: '1.32',
  roleArn: pre.clusterRoleArn,
  resourcesVpcConfig: { subnetIds: pre.subnetIds },
  accessConfig: {
    authenticationMode: 'API_AND_CONFIG_MAP' as const,
    bootstrapClusterCreatorAdminPermissions: true,
  },
  tags: { 'gitops.dev/cluster': name },
  ...extra,
});

describe('EKS clusters and node groups', () => {
  it('rejects what EKS rejects at CreateCluster', async () => {
    const cases: [string, ReturnType<typeof clusterInput>][] = [
      ['bad name', clusterInput('-bad')],
      ['unknown role', clusterInput('c1', { roleArn: 'arn:aws:iam::123456789012:role/none' })],
      ['role EKS may not assume', clusterInput('c1', { roleArn: pre.nodeRoleArn })],
      ['one AZ', clusterInput('c1', { resourcesVpcConfig: { subnetIds: [pre.subnetIds[0]!] } })],
      ['unknown subnet', clusterInput('c1', { resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] } })],
      ['unsupported version', clusterInput('c1', { version: '1.10' })],
    ];
    for (const [what, input] of cases) {
      const err = await eks.send(new CreateClusterCommand(input)).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(InvalidParameterException);
    }
    expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it('goes CREATING -> ACTIVE on the scaled clock; the SDK waiter sees it', async () => {
    const created = await eks.send(new CreateClusterCommand(clusterInput('research')));
    expect(created.cluster?.status).toBe('CREATING');
    expect(created.cluster?.endpoint).toBeUndefined();
    const result = await waitUntilClusterActive({ client: eks, ...fast }, { name: 'research' });
    expect(result.state).toBe('SUCCESS');
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'research' }));
    expect(cluster).toMatchObject({
      status: 'ACTIVE',
      endpoint: KUBE.endpoint,
      certificateAuthority: { data: KUBE.caData },
      arn: 'arn:aws:eks:us-west-2:123456789012:cluster/research',
      resourcesVpcConfig: { vpcId: pre.vpcId, subnetIds: pre.subnetIds },
      tags: { 'gitops.dev/cluster': 'research' },
      accessConfig: {
        authenticationMode: 'API_AND_CONFIG_MAP',
        bootstrapClusterCreatorAdminPermissions: true,
      },
    });
    expect(cluster?.createdAt).toBeInstanceOf(Date);
  });

  it('refuses a duplicate name but replays the same clientRequestToken', async () => {
    await expect(eks.send(new CreateClusterCommand(clusterInput('research')))).rejects.toBeInstanceOf(
      ResourceInUseException,
    );
    const input = clusterInput('idem', { clientRequestToken: 'token-1' });
    const a = await eks.send(new CreateClusterCommand(input));
    const b = await eks.send(new CreateClusterCommand(input));
    expect(b.cluster?.arn).toBe(a.cluster?.arn);
    await expect(eks.send(new CreateClusterCommand({ ...input, version: '1.33' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    expect(emu.state().eks.clusters.filter((c) => c.name === 'idem')).toHaveLength(1);
  });

  it('needs an ACTIVE cluster and a properly set up node role for node groups', async () => {
    const ng = {
      clusterName: 'research',
      nodegroupName: 'general',
      nodeRole: pre.nodeRoleArn,
      subnets: pre.subnetIds,
      scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
    };
    // A cluster made while the clock is paused is certainly still CREATING.
    emu.pauseClock();
    try {
      await eks.send(new CreateClusterCommand(clusterInput('young')));
      await expect(
        eks.send(new CreateNodegroupCommand({ ...ng, clusterName: 'young' })),
      ).rejects.toBeInstanceOf(ResourceInUseException);
      await expect(eks.send(new DeleteClusterCommand({ name: 'young' }))).rejects.toBeInstanceOf(
        ResourceInUseException,
      );
    } finally {
      emu.resumeClock();
    }

    await expect(
      eks.send(new CreateNodegroupCommand({ ...ng, clusterName: 'research', nodeRole: pre.clusterRoleArn })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      eks.send(
        new CreateNodegroupCommand({
          ...ng,
          clusterName: 'research',
          scalingConfig: { minSize: 3, maxSize: 1, desiredSize: 2 },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(eks.send(new CreateNodegroupCommand({ ...ng, clusterName: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('creates a GPU node group with labels and taints; the SDK waiter sees it ACTIVE', async () => {
    const out = await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'research',
        nodegroupName: 'gpu',
        nodeRole: pre.nodeRoleArn,
        subnets: pre.subnetIds.slice(0, 2),
        amiType: 'AL2023_x86_64_NVIDIA',
        instanceTypes: ['g5.xlarge'],
        scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 1 },
        labels: { 'gitops.dev/accelerator': 'nvidia' },
        taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
        tags: { 'gitops.dev/cluster': 'research' },
      }),
    );
    expect(out.nodegroup?.status).toBe('CREATING');
    const result = await waitUntilNodegroupActive(
      { client: eks, ...fast },
      { clusterName: 'research', nodegroupName: 'gpu' },
    );
    expect(result.state).toBe('SUCCESS');
    const { nodegroup } = await eks.send(
      new DescribeNodegroupCommand({ clusterName: 'research', nodegroupName: 'gpu' }),
    );
    expect(nodegroup).toMatchObject({
      status: 'ACTIVE',
      version: '1.32',
      amiType: 'AL2023_x86_64_NVIDIA',
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      labels: { 'gitops.dev/accelerator': 'nvidia' },
    });
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: 'research' }))).nodegroups).toEqual([
      'gpu',
    ]);
  });

  it('UpdateNodegroupConfig moves through UPDATING and DescribeUpdate reports it', async () => {
    emu.pauseClock();
    const { update } = await eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName: 'research',
        nodegroupName: 'gpu',
        scalingConfig: { desiredSize: 3 },
      }),
    );
    expect(update).toMatchObject({
      status: 'InProgress',
      type: 'ConfigUpdate',
      params: [{ type: 'DesiredSize', value: '3' }],
    });
    const during = await eks.send(
      new DescribeNodegroupCommand({ clusterName: 'research', nodegroupName: 'gpu' }),
    );
    expect(during.nodegroup?.status).toBe('UPDATING');
    emu.resumeClock();
    await waitUntilNodegroupActive(
      { client: eks, ...fast },
      { clusterName: 'research', nodegroupName: 'gpu' },
    );
    const done = await eks.send(
      new DescribeUpdateCommand({ name: 'research', updateId: update!.id!, nodegroupName: 'gpu' }),
    );
    expect(done.update?.status).toBe('Successful');
    await expect(
      eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: 'research',
          nodegroupName: 'gpu',
          scalingConfig: { desiredSize: 3 },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('deletes in dependency order: node groups first, then the cluster, then its subnets', async () => {
    await expect(eks.send(new DeleteClusterCommand({ name: 'research' }))).rejects.toBeInstanceOf(
      ResourceInUseException,
    );
    const ec2 = new EC2Client(clientConfig(emu));
    const blocked = await ec2
      .send(new DeleteSubnetCommand({ SubnetId: pre.subnetIds[2]! }))
      .catch((e: Error) => e.name);
    expect(blocked).toBe('DependencyViolation');

    const ng = await eks.send(new DeleteNodegroupCommand({ clusterName: 'research', nodegroupName: 'gpu' }));
    expect(ng.nodegroup?.status).toBe('DELETING');
    await waitUntilNodegroupDeleted(
      { client: eks, ...fast },
      { clusterName: 'research', nodegroupName: 'gpu' },
    );
    const deleting = await eks.send(new DeleteClusterCommand({ name: 'research' }));
    expect(deleting.cluster?.status).toBe('DELETING');
    await waitUntilClusterDeleted({ client: eks, ...fast }, { name: 'research' });
    await expect(eks.send(new DescribeClusterCommand({ name: 'research' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    // The other clusters still use the subnets; once they are gone the subnets can be deleted.
    for (const name of ['idem', 'young']) {
      await waitUntilClusterActive({ client: eks, ...fast }, { name });
      await eks.send(new DeleteClusterCommand({ name }));
    }
    for (const name of ['idem', 'young']) await waitUntilClusterDeleted({ client: eks, ...fast }, { name });
    await ec2.send(new DeleteSubnetCommand({ SubnetId: pre.subnetIds[2]! }));
    expect(emu.state().eks.clusters).toEqual([]);
    ec2.destroy();
  });
});
