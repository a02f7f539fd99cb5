import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteAccessEntryCommand,
  DeleteAddonCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  InvalidParameterException,
  ListAccessEntriesCommand,
  ListAddonsCommand,
  ListAssociatedAccessPoliciesCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAddonCommand,
  waitUntilAddonActive,
  waitUntilAddonDeleted,
  waitUntilClusterActive,
  waitUntilNodegroupActive,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';

const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

let emu: RunningEmulator;
let eks: EKSClient;
let pre: EksPrerequisites;

async function activeCluster(name: string): Promise<string> {
  const out = await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: pre.clusterRoleArn,
      resourcesVpcConfig: { subnetIds: pre.subnetIds },
    }),
  );
  await waitUntilClusterActive({ client: eks, ...fast }, { name });
  return out.cluster!.arn!;
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  eks = new EKSClient(clientConfig(emu));
  pre = await createEksPrerequisites(emu);
  await activeCluster('main');
});
afterAll(async () => {
  await emu.stop();
});

describe('EKS add-ons', () => {
  it('offers versions per Kubernetes version with one default', async () => {
    const out = await eks.send(
      new DescribeAddonVersionsCommand({ addonName: 'kube-proxy', kubernetesVersion: '1.33' }),
    );
    const versions = out.addons?.[0]?.addonVersions ?? [];
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.filter((v) => v.compatibilities?.[0]?.defaultVersion)).toHaveLength(1);
    expect(versions[0]?.addonVersion).toMatch(/^v1\.33\.\d+-eksbuild\.\d+$/);
  });

  it('create -> ACTIVE -> update -> delete, with EKS errors on the way', async () => {
    const created = await eks.send(
      new CreateAddonCommand({ clusterName: 'main', addonName: 'vpc-cni', tags: { team: 'ml' } }),
    );
    expect(created.addon?.status).toBe('CREATING');
    await expect(
      eks.send(new CreateAddonCommand({ clusterName: 'main', addonName: 'vpc-cni' })),
    ).rejects.toBeInstanceOf(ResourceInUseException);
    await expect(
      eks.send(new CreateAddonCommand({ clusterName: 'main', addonName: 'no-such-addon' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      eks.send(new CreateAddonCommand({ clusterName: 'main', addonName: 'coredns', addonVersion: 'v0.0.1' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await waitUntilAddonActive({ client: eks, ...fast }, { clusterName: 'main', addonName: 'vpc-cni' });
    // Freeze emulated time so the in-between state is observable however slow this machine is.
    emu.pauseClock();
    const upd = await eks.send(
      new UpdateAddonCommand({
        clusterName: 'main',
        addonName: 'vpc-cni',
        addonVersion: 'v1.18.6-eksbuild.1',
      }),
    );
    expect(upd.update?.type).toBe('AddonUpdate');
    expect(
      (await eks.send(new DescribeAddonCommand({ clusterName: 'main', addonName: 'vpc-cni' }))).addon?.status,
    ).toBe('UPDATING');
    emu.resumeClock();
    await waitUntilAddonActive({ client: eks, ...fast }, { clusterName: 'main', addonName: 'vpc-cni' });
    expect((await eks.send(new ListAddonsCommand({ clusterName: 'main' }))).addons).toEqual(['vpc-cni']);
    await eks.send(new DeleteAddonCommand({ clusterName: 'main', addonName: 'vpc-cni' }));
    await waitUntilAddonDeleted({ client: eks, ...fast }, { clusterName: 'main', addonName: 'vpc-cni' });
    await expect(
      eks.send(new DescribeAddonCommand({ clusterName: 'main', addonName: 'vpc-cni' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('EKS access entries', () => {
  it('gives the cluster creator an admin entry, and manages entries for other principals', async () => {
    const entries = (await eks.send(new ListAccessEntriesCommand({ clusterName: 'main' }))).accessEntries;
    expect(entries).toEqual(['arn:aws:iam::123456789012:user/gitops-test']);
    const creator = await eks.send(
      new ListAssociatedAccessPoliciesCommand({ clusterName: 'main', principalArn: entries![0]! }),
    );
    expect(creator.associatedAccessPolicies?.map((p) => p.policyArn)).toEqual([ADMIN]);

    const principalArn = pre.nodeRoleArn;
    const input = {
      clusterName: 'main',
      principalArn,
      kubernetesGroups: ['platform-admins'],
      clientRequestToken: 'entry-token',
    };
    const entry = await eks.send(new CreateAccessEntryCommand(input));
    // A retried create with the same token gets the same entry back.
    expect((await eks.send(new CreateAccessEntryCommand(input))).accessEntry?.accessEntryArn).toBe(
      entry.accessEntry?.accessEntryArn,
    );
    expect(entry.accessEntry?.username).toBe(
      'arn:aws:sts::123456789012:assumed-role/test-node/{{SessionName}}',
    );
    await expect(
      eks.send(new CreateAccessEntryCommand({ clusterName: 'main', principalArn })),
    ).rejects.toBeInstanceOf(ResourceInUseException);
    await expect(
      eks.send(
        new CreateAccessEntryCommand({
          clusterName: 'main',
          principalArn: 'arn:aws:iam::123456789012:role/none',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      eks.send(
        new CreateAccessEntryCommand({
          clusterName: 'main',
          principalArn: 'arn:aws:iam::123456789012:user/someone',
          kubernetesGroups: ['system:masters'],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);

    await eks.send(
      new AssociateAccessPolicyCommand({
        clusterName: 'main',
        principalArn,
        policyArn: ADMIN,
        accessScope: { type: 'cluster' },
      }),
    );
    const admins = await eks.send(
      new ListAccessEntriesCommand({ clusterName: 'main', associatedPolicyArn: ADMIN }),
    );
    expect(admins.accessEntries).toHaveLength(2);
    const described = await eks.send(new DescribeAccessEntryCommand({ clusterName: 'main', principalArn }));
    expect(described.accessEntry?.kubernetesGroups).toEqual(['platform-admins']);
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'main', principalArn }));
    await expect(
      eks.send(new DescribeAccessEntryCommand({ clusterName: 'main', principalArn })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('EKS tags', () => {
  it('tags and untags by ARN; an unknown ARN is NotFoundException', async () => {
    const arn = (await eks.send(new DescribeClusterCommand({ name: 'main' }))).cluster!.arn!;
    await eks.send(
      new TagResourceCommand({ resourceArn: arn, tags: { 'gitops.dev/cluster': 'main', drop: 'me' } }),
    );
    await eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['drop'] }));
    expect((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({
      'gitops.dev/cluster': 'main',
    });
    await expect(
      eks.send(
        new ListTagsForResourceCommand({ resourceArn: 'arn:aws:eks:us-west-2:123456789012:cluster/ghost' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('lifecycle faults', () => {
  it('a cluster can end FAILED with a health issue; the SDK waiter stops on it', async () => {
    emu.addLifecycleFault({
      resource: 'cluster',
      name: 'doomed',
      outcome: 'FAILED',
      message: 'subnet ran out of IPs',
    });
    await eks.send(
      new CreateClusterCommand({
        name: 'doomed',
        roleArn: pre.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: pre.subnetIds },
      }),
    );
    const err = await waitUntilClusterActive({ client: eks, ...fast }, { name: 'doomed' }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'doomed' }));
    expect(cluster?.status).toBe('FAILED');
    expect(cluster?.health?.issues?.[0]).toMatchObject({
      code: 'InternalFailure',
      message: 'subnet ran out of IPs',
    });
  });

  it('a node group can go CREATE_FAILED, also when the fault is added while it is creating', async () => {
    // Paused, so the node group is certainly still CREATING when the fault arrives.
    emu.pauseClock();
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'main',
        nodegroupName: 'flaky',
        nodeRole: pre.nodeRoleArn,
        subnets: pre.subnetIds,
      }),
    );
    emu.addLifecycleFault({
      resource: 'nodegroup',
      name: 'flaky',
      outcome: 'CREATE_FAILED',
      message: 'Instances failed to join',
    });
    emu.resumeClock();
    const err = await waitUntilNodegroupActive(
      { client: eks, ...fast },
      { clusterName: 'main', nodegroupName: 'flaky' },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const { nodegroup } = await eks.send(
      new DescribeNodegroupCommand({ clusterName: 'main', nodegroupName: 'flaky' }),
    );
    expect(nodegroup?.status).toBe('CREATE_FAILED');
    expect(nodegroup?.health?.issues?.[0]).toMatchObject({
      code: 'NodeCreationFailure',
      message: 'Instances failed to join',
    });
  });

  it('an add-on can end DEGRADED', async () => {
    emu.addLifecycleFault({ resource: 'addon', outcome: 'DEGRADED' });
    await eks.send(new CreateAddonCommand({ clusterName: 'main', addonName: 'coredns' }));
    const err = await waitUntilAddonActive(
      { client: eks, ...fast },
      { clusterName: 'main', addonName: 'coredns' },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const { addon } = await eks.send(new DescribeAddonCommand({ clusterName: 'main', addonName: 'coredns' }));
    expect(addon?.status).toBe('DEGRADED');
    expect(addon?.health?.issues?.[0]?.code).toBe('InsufficientNumberOfReplicas');
  });
});
