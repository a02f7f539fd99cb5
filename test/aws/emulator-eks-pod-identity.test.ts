import {
  CreateClusterCommand,
  CreatePodIdentityAssociationCommand,
  DeleteClusterCommand,
  DeletePodIdentityAssociationCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  InvalidParameterException,
  ListPodIdentityAssociationsCommand,
  ListTagsForResourceCommand,
  paginateListPodIdentityAssociations,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  UpdatePodIdentityAssociationCommand,
  waitUntilClusterActive,
  waitUntilClusterDeleted,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
  podIdentityTrustPolicy,
  trustPolicy,
} from '../support/aws-emulator/testing.js';

const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };

let emu: RunningEmulator;
let eks: EKSClient;
let iam: IAMClient;
let pre: EksPrerequisites;
const roles: Record<string, string> = {};

async function role(name: string, doc: string): Promise<string> {
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc }));
  return out.Role!.Arn!;
}

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

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
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
  iam = new IAMClient(clientConfig(emu));
  pre = await createEksPrerequisites(emu);
  roles.good = await role('app', podIdentityTrustPolicy());
  // IAM combines statements: the two actions may come from separate ones.
  roles.split = await role('split', podIdentityTrustPolicy([['sts:AssumeRole'], ['sts:TagSession']]));
  roles.noTag = await role('no-tag', podIdentityTrustPolicy([['sts:AssumeRole']]));
  roles.ec2 = await role('ec2-only', trustPolicy('ec2.amazonaws.com'));
  await activeCluster('main');
});
afterAll(async () => {
  await emu.stop();
});

describe('EKS Pod Identity associations', () => {
  it('create / describe / list / update / delete, with tags and ARNs as EKS shapes them', async () => {
    const created = await eks.send(
      new CreatePodIdentityAssociationCommand({
        clusterName: 'main',
        namespace: 'ml',
        serviceAccount: 'trainer',
        roleArn: roles.good,
        tags: { 'gitops.dev/cluster': 'main' },
      }),
    );
    const a = created.association!;
    expect(a.associationId).toMatch(/^a-[a-z0-9]{17}$/);
    expect(a.associationArn).toBe(
      `arn:aws:eks:us-west-2:123456789012:podidentityassociation/main/${a.associationId}`,
    );
    expect(a).toMatchObject({
      clusterName: 'main',
      namespace: 'ml',
      serviceAccount: 'trainer',
      roleArn: roles.good,
    });
    expect(a.tags).toEqual({ 'gitops.dev/cluster': 'main' });
    expect(a.createdAt).toBeInstanceOf(Date);
    expect(a.ownerArn).toBeUndefined();

    const described = await eks.send(
      new DescribePodIdentityAssociationCommand({ clusterName: 'main', associationId: a.associationId! }),
    );
    expect(described.association).toEqual(a);

    await eks.send(new TagResourceCommand({ resourceArn: a.associationArn!, tags: { team: 'ml' } }));
    const tags = await eks.send(new ListTagsForResourceCommand({ resourceArn: a.associationArn! }));
    expect(tags.tags).toEqual({ 'gitops.dev/cluster': 'main', team: 'ml' });

    const updated = await eks.send(
      new UpdatePodIdentityAssociationCommand({
        clusterName: 'main',
        associationId: a.associationId!,
        roleArn: roles.split,
      }),
    );
    expect(updated.association?.roleArn).toBe(roles.split);
    await expect(
      eks.send(
        new UpdatePodIdentityAssociationCommand({ clusterName: 'main', associationId: a.associationId! }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);

    const deleted = await eks.send(
      new DeletePodIdentityAssociationCommand({ clusterName: 'main', associationId: a.associationId! }),
    );
    expect(deleted.association?.associationId).toBe(a.associationId);
    await expect(
      eks.send(
        new DescribePodIdentityAssociationCommand({ clusterName: 'main', associationId: a.associationId! }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const short = await errorOf(
      eks.send(new DescribePodIdentityAssociationCommand({ clusterName: 'main', associationId: 'a-short' })),
    );
    expect(short).toBeInstanceOf(InvalidParameterException);
    expect(short.message).toBe('The parameter associationId should be 19 characters long.');
  });

  it('allows one association per namespace and service account (ResourceInUseException, 409)', async () => {
    const first = await associate('main', 'ml', 'notebook');
    const dup = await errorOf(associate('main', 'ml', 'notebook', roles.split));
    expect(dup).toBeInstanceOf(ResourceInUseException);
    expect(dup.message).toBe(`Association already exists: ${first.associationId}`);
    expect(dup.$metadata?.httpStatusCode).toBe(409);
    // The same name in another namespace is another service account.
    await associate('main', 'ml-staging', 'notebook');
  });

  it('replays a create with the same clientRequestToken instead of failing', async () => {
    const input = {
      clusterName: 'main',
      namespace: 'ml',
      serviceAccount: 'batch',
      roleArn: roles.good,
      clientRequestToken: 'run-42-batch',
    };
    const one = await eks.send(new CreatePodIdentityAssociationCommand(input));
    const two = await eks.send(new CreatePodIdentityAssociationCommand(input));
    expect(two.association?.associationId).toBe(one.association?.associationId);
    await expect(
      eks.send(new CreatePodIdentityAssociationCommand({ ...input, roleArn: roles.split })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('checks the role: it must exist, be in the account and trust pods.eks.amazonaws.com with AssumeRole and TagSession', async () => {
    const cases: [string, string][] = [
      [roles.noTag!, 'Trust policy of the role provided is invalid.'],
      [roles.ec2!, 'Trust policy of the role provided is invalid.'],
      [
        'arn:aws:iam::123456789012:role/missing',
        'Role arn:aws:iam::123456789012:role/missing does not exist.',
      ],
      [
        'arn:aws:iam::210987654321:role/elsewhere',
        'The role arn:aws:iam::210987654321:role/elsewhere must be in the same AWS account as the cluster.',
      ],
    ];
    for (const [roleArn, message] of cases) {
      const err = await errorOf(associate('main', 'ml', 'checked', roleArn));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe(message);
    }
    await expect(associate('main', 'Not_A_Namespace', 'sa')).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(associate('nowhere', 'ml', 'sa')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('needs an ACTIVE cluster', async () => {
    emu.pauseClock();
    try {
      await eks.send(
        new CreateClusterCommand({
          name: 'young',
          roleArn: pre.clusterRoleArn,
          resourcesVpcConfig: { subnetIds: pre.subnetIds },
        }),
      );
      await expect(associate('young', 'ml', 'sa')).rejects.toBeInstanceOf(ResourceInUseException);
    } finally {
      emu.resumeClock();
    }
  });

  it('lists with namespace and service account filters, page by page', async () => {
    await activeCluster('listing');
    for (let i = 0; i < 5; i++) await associate('listing', i < 3 ? 'a' : 'b', `sa-${i}`);
    const inA = await eks.send(
      new ListPodIdentityAssociationsCommand({ clusterName: 'listing', namespace: 'a' }),
    );
    expect(inA.associations?.map((x) => x.serviceAccount)).toEqual(['sa-0', 'sa-1', 'sa-2']);
    const one = await eks.send(
      new ListPodIdentityAssociationsCommand({
        clusterName: 'listing',
        namespace: 'b',
        serviceAccount: 'sa-4',
      }),
    );
    expect(one.associations).toHaveLength(1);
    expect(Object.keys(one.associations![0]!).sort()).toEqual(
      ['associationArn', 'associationId', 'clusterName', 'namespace', 'serviceAccount'].sort(),
    );
    const pages: number[] = [];
    for await (const page of paginateListPodIdentityAssociations(
      { client: eks, pageSize: 2 },
      { clusterName: 'listing' },
    )) {
      pages.push(page.associations?.length ?? 0);
    }
    expect(pages).toEqual([2, 2, 1]);
    await expect(
      eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'listing', maxResults: 101 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('go away with their cluster', async () => {
    await activeCluster('short-lived');
    await associate('short-lived', 'ml', 'sa');
    await eks.send(new DeleteClusterCommand({ name: 'short-lived' }));
    await waitUntilClusterDeleted({ client: eks, ...fast }, { name: 'short-lived' });
    await activeCluster('short-lived');
    const list = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'short-lived' }));
    expect(list.associations).toEqual([]);
  });
});
