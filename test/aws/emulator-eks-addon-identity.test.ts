import {
  CreateAddonCommand,
  CreateClusterCommand,
  CreatePodIdentityAssociationCommand,
  DeleteAddonCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  InvalidParameterException,
  ListPodIdentityAssociationsCommand,
  ResourceInUseException,
  UpdateAddonCommand,
  waitUntilAddonActive,
  waitUntilClusterActive,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
  podIdentityTrustPolicy,
} from '../support/aws-emulator/testing.js';

// Pod Identity associations owned by EKS add-ons, and the emulator's view of which role a
// service account's pods would receive.

const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };

let emu: RunningEmulator;
let eks: EKSClient;
let pre: EksPrerequisites;
const roles: Record<string, string> = {};

async function activeCluster(name: string): Promise<void> {
  await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: pre.clusterRoleArn,
      resourcesVpcConfig: { subnetIds: pre.subnetIds },
    }),
  );
  await waitUntilClusterActive({ client: eks, ...fast }, { name });
}

async function associate(cluster: string, namespace: string, serviceAccount: string, roleArn = roles.good!) {
  const out = await eks.send(
    new CreatePodIdentityAssociationCommand({ clusterName: cluster, namespace, serviceAccount, roleArn }),
  );
  return out.association!;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: Error) => e,
  );
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  eks = new EKSClient(clientConfig(emu));
  const iam = new IAMClient(clientConfig(emu));
  pre = await createEksPrerequisites(emu);
  for (const [name, doc] of [
    ['good', podIdentityTrustPolicy()],
    ['split', podIdentityTrustPolicy([['sts:AssumeRole'], ['sts:TagSession']])],
    ['noTag', podIdentityTrustPolicy([['sts:AssumeRole']])],
  ] as const) {
    roles[name] = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc })))
      .Role!.Arn!;
  }
  iam.destroy();
});
afterAll(async () => {
  await emu.stop();
});

describe('add-on owned associations', () => {
  it('CreateAddon creates them with ownerArn; UpdateAddon replaces them; DeleteAddon removes them', async () => {
    await activeCluster('addons');
    const created = await eks.send(
      new CreateAddonCommand({
        clusterName: 'addons',
        addonName: 'aws-ebs-csi-driver',
        podIdentityAssociations: [{ serviceAccount: 'ebs-csi-controller-sa', roleArn: roles.good }],
      }),
    );
    const addonArn = created.addon!.addonArn!;
    const [owned] = (await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'addons' })))
      .associations!;
    expect(owned).toMatchObject({
      namespace: 'kube-system',
      serviceAccount: 'ebs-csi-controller-sa',
      ownerArn: addonArn,
    });
    expect(created.addon?.podIdentityAssociations).toEqual([owned!.associationArn]);
    await waitUntilAddonActive(
      { client: eks, ...fast },
      { clusterName: 'addons', addonName: 'aws-ebs-csi-driver' },
    );

    const update = await eks.send(
      new UpdateAddonCommand({
        clusterName: 'addons',
        addonName: 'aws-ebs-csi-driver',
        podIdentityAssociations: [{ serviceAccount: 'ebs-csi-controller-sa', roleArn: roles.split }],
      }),
    );
    expect(update.update?.params).toContainEqual({
      type: 'PodIdentityAssociations',
      value: JSON.stringify([{ serviceAccount: 'ebs-csi-controller-sa', roleArn: roles.split }]),
    });
    const same = await eks.send(
      new DescribePodIdentityAssociationCommand({
        clusterName: 'addons',
        associationId: owned!.associationId!,
      }),
    );
    expect(same.association?.roleArn).toBe(roles.split);
    await waitUntilAddonActive(
      { client: eks, ...fast },
      { clusterName: 'addons', addonName: 'aws-ebs-csi-driver' },
    );

    // An empty list removes what the add-on owns.
    await eks.send(
      new UpdateAddonCommand({
        clusterName: 'addons',
        addonName: 'aws-ebs-csi-driver',
        podIdentityAssociations: [],
      }),
    );
    expect(
      (await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'addons' }))).associations,
    ).toEqual([]);
    const described = await eks.send(
      new DescribeAddonCommand({ clusterName: 'addons', addonName: 'aws-ebs-csi-driver' }),
    );
    expect(described.addon?.podIdentityAssociations).toBeUndefined();
  });

  it('refuses service accounts the add-on does not use, add-ons without Pod Identity, and taking over an association', async () => {
    await activeCluster('addon-checks');
    const wrong = await errorOf(
      eks.send(
        new CreateAddonCommand({
          clusterName: 'addon-checks',
          addonName: 'aws-ebs-csi-driver',
          podIdentityAssociations: [{ serviceAccount: 'someone-else', roleArn: roles.good }],
        }),
      ),
    );
    expect(wrong).toBeInstanceOf(InvalidParameterException);
    expect(wrong.message).toBe(
      'Service account someone-else in pod identity configuration is not supported for addon aws-ebs-csi-driver',
    );
    const unsupported = await errorOf(
      eks.send(
        new CreateAddonCommand({
          clusterName: 'addon-checks',
          addonName: 'coredns',
          podIdentityAssociations: [{ serviceAccount: 'coredns', roleArn: roles.good }],
        }),
      ),
    );
    expect(unsupported.message).toMatch(/^Pod Identity feature is not supported for addon version: v/);
    await expect(
      eks.send(
        new CreateAddonCommand({
          clusterName: 'addon-checks',
          addonName: 'aws-ebs-csi-driver',
          podIdentityAssociations: [{ serviceAccount: 'ebs-csi-controller-sa', roleArn: roles.noTag }],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await associate('addon-checks', 'kube-system', 'ebs-csi-controller-sa');
    await expect(
      eks.send(
        new CreateAddonCommand({
          clusterName: 'addon-checks',
          addonName: 'aws-ebs-csi-driver',
          podIdentityAssociations: [{ serviceAccount: 'ebs-csi-controller-sa', roleArn: roles.good }],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceInUseException);
    expect(emu.state().eks.clusters.find((c) => c.name === 'addon-checks')?.addons).toEqual([]);
  });

  it('DeleteAddon with preserve keeps them', async () => {
    await activeCluster('preserve');
    for (const preserve of [true, false]) {
      const addonName = 'aws-efs-csi-driver';
      await eks.send(
        new CreateAddonCommand({
          clusterName: 'preserve',
          addonName,
          podIdentityAssociations: [{ serviceAccount: 'efs-csi-controller-sa', roleArn: roles.good }],
        }),
      );
      await waitUntilAddonActive({ client: eks, ...fast }, { clusterName: 'preserve', addonName });
      await eks.send(new DeleteAddonCommand({ clusterName: 'preserve', addonName, preserve }));
      const left = (await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'preserve' })))
        .associations!;
      expect(left.length).toBe(preserve ? 1 : 0);
      for (const a of left) {
        await eks.send(
          new DeletePodIdentityAssociationCommand({
            clusterName: 'preserve',
            associationId: a.associationId!,
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 100)); // the add-on's DELETING lasts 30 ms here
    }
  });
});

describe('which role a service account would receive', () => {
  it('needs both an association and the Pod Identity Agent', async () => {
    await activeCluster('who');
    await associate('who', 'ml', 'trainer');
    const before = emu.podIdentity('who', 'ml', 'trainer');
    expect(before).toMatchObject({ agent: null, roleArn: roles.good, receivesCredentials: false });
    await eks.send(new CreateAddonCommand({ clusterName: 'who', addonName: 'eks-pod-identity-agent' }));
    await waitUntilAddonActive(
      { client: eks, ...fast },
      { clusterName: 'who', addonName: 'eks-pod-identity-agent' },
    );
    const res = await fetch(
      `${emu.url}/_emulator/pod-identity?cluster=who&namespace=ml&serviceAccount=trainer`,
    );
    expect(await res.json()).toMatchObject({
      cluster: 'who',
      agent: 'eks-pod-identity-agent',
      roleArn: roles.good,
      receivesCredentials: true,
      associations: [{ namespace: 'ml', serviceAccount: 'trainer', effectiveRoleArn: roles.good }],
    });
    expect(emu.podIdentity('who', 'ml', 'nobody')).toMatchObject({
      roleArn: null,
      receivesCredentials: false,
    });
    expect((await fetch(`${emu.url}/_emulator/pod-identity?cluster=nope`)).status).toBe(400);
    expect(emu.state().eks.clusters.find((c) => c.name === 'who')?.podIdentityAssociations).toHaveLength(1);
  });
});
