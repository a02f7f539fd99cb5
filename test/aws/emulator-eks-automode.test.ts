import {
  AssociateAccessPolicyCommand,
  type CreateClusterCommandInput,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeUpdateCommand,
  EKSClient,
  InvalidParameterException,
  InvalidRequestException,
  ListAssociatedAccessPoliciesCommand,
  UpdateClusterConfigCommand,
  waitUntilClusterActive,
} from '@aws-sdk/client-eks';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { loadModel } from '../support/aws-emulator/model-source.js';
import type { Shape } from '../support/aws-emulator/model-types.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
  trustPolicy,
} from '../support/aws-emulator/testing.js';

const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };
const ACCESS_POLICY = 'arn:aws:eks::aws:cluster-access-policy/';
const ALL_OR_NOTHING =
  'For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled.';

let emu: RunningEmulator;
let eks: EKSClient;
let iam: IAMClient;
let pre: EksPrerequisites;
let autoClusterRole: string;
let autoNodeRole: string;

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: Error) => e,
  );
}

function autoMode(enabled = true): Partial<CreateClusterCommandInput> {
  return {
    computeConfig: enabled
      ? { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: autoNodeRole }
      : { enabled: false },
    storageConfig: { blockStorage: { enabled } },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled } },
  };
}

function create(name: string, extra: Partial<CreateClusterCommandInput>, roleArn = autoClusterRole) {
  return eks.send(
    new CreateClusterCommand({ name, roleArn, resourcesVpcConfig: { subnetIds: pre.subnetIds }, ...extra }),
  );
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  eks = new EKSClient(clientConfig(emu));
  iam = new IAMClient(clientConfig(emu));
  pre = await createEksPrerequisites(emu);
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ],
  });
  autoClusterRole = (
    await iam.send(new CreateRoleCommand({ RoleName: 'auto-cluster', AssumeRolePolicyDocument: trust }))
  ).Role!.Arn!;
  for (const p of [
    'AmazonEKSClusterPolicy',
    'AmazonEKSComputePolicy',
    'AmazonEKSBlockStoragePolicy',
    'AmazonEKSLoadBalancingPolicy',
    'AmazonEKSNetworkingPolicy',
  ]) {
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: 'auto-cluster', PolicyArn: `arn:aws:iam::aws:policy/${p}` }),
    );
  }
  autoNodeRole = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'auto-node',
        AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com'),
      }),
    )
  ).Role!.Arn!;
  for (const p of ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly']) {
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: 'auto-node', PolicyArn: `arn:aws:iam::aws:policy/${p}` }),
    );
  }
});
afterAll(async () => {
  await emu.stop();
});

describe('EKS Auto Mode on CreateCluster', () => {
  it('creates an Auto Mode cluster and shows its configuration and the access entries EKS made', async () => {
    await create('auto', { ...autoMode(), accessConfig: { authenticationMode: 'API' } });
    await waitUntilClusterActive({ client: eks, ...fast }, { name: 'auto' });
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'auto' }));
    expect(cluster?.computeConfig).toEqual({
      enabled: true,
      nodePools: ['general-purpose', 'system'],
      nodeRoleArn: autoNodeRole,
    });
    expect(cluster?.storageConfig).toEqual({ blockStorage: { enabled: true } });
    expect(cluster?.kubernetesNetworkConfig?.elasticLoadBalancing).toEqual({ enabled: true });

    const node = await eks.send(
      new DescribeAccessEntryCommand({ clusterName: 'auto', principalArn: autoNodeRole }),
    );
    expect(node.accessEntry).toMatchObject({ type: 'EC2', username: 'system:node:{{EC2PrivateDNSName}}' });
    const nodePolicies = await eks.send(
      new ListAssociatedAccessPoliciesCommand({ clusterName: 'auto', principalArn: autoNodeRole }),
    );
    expect(nodePolicies.associatedAccessPolicies?.map((p) => p.policyArn)).toEqual([
      `${ACCESS_POLICY}AmazonEKSAutoNodePolicy`,
    ]);
    const clusterPolicies = await eks.send(
      new ListAssociatedAccessPoliciesCommand({ clusterName: 'auto', principalArn: autoClusterRole }),
    );
    expect(clusterPolicies.associatedAccessPolicies?.map((p) => p.policyArn).sort()).toEqual(
      ['Block', 'Compute', 'LoadBalancing', 'Networking']
        .map((c) => `${ACCESS_POLICY}AmazonEKS${c === 'Block' ? 'BlockStorage' : c}ClusterPolicy`)
        .sort(),
    );
    // Users can look at these entries but not change them.
    await expect(
      eks.send(new DeleteAccessEntryCommand({ clusterName: 'auto', principalArn: autoNodeRole })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    // Auto Mode has the Pod Identity Agent built in.
    expect(emu.podIdentity('auto').agent).toBe('auto-mode');
  });

  it.each([
    ['only compute enabled', { computeConfig: { enabled: true } }, ALL_OR_NOTHING],
    [
      'storage off',
      { ...autoModeLater(), storageConfig: { blockStorage: { enabled: false } } },
      ALL_OR_NOTHING,
    ],
    [
      'node pools without a node role',
      { ...autoModeLater(), computeConfig: { enabled: true, nodePools: ['system'] } },
      'When Compute Config nodeRoleArn is null or empty, nodePool list cannot be populated.',
    ],
    [
      'a node role without node pools',
      { ...autoModeLater(), computeConfig: { enabled: true, nodeRoleArn: 'ROLE' } },
      'When Compute Config nodeRoleArn is not null or empty, nodePool value(s) must be provided.',
    ],
    [
      'bootstrapSelfManagedAddons true',
      { ...autoModeLater(), bootstrapSelfManagedAddons: true },
      'When EKS Auto Mode is enabled, bootstrapSelfManagedAddons must be set to false.',
    ],
  ])('refuses %s (InvalidParameterException)', async (_what, extra, message) => {
    const resolved = JSON.parse(
      JSON.stringify(extra).replaceAll('ROLE', autoNodeRole),
    ) as Partial<CreateClusterCommandInput>;
    const err = await errorOf(create('refused', resolved));
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe(message);
  });

  it('refuses an unknown node pool, a cluster role without sts:TagSession and the ConfigMap mode', async () => {
    const pools = {
      ...autoMode(),
      computeConfig: { enabled: true, nodePools: ['gpu'], nodeRoleArn: autoNodeRole },
    };
    await expect(create('refused', pools)).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(create('refused', autoMode(), pre.clusterRoleArn)).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      create('refused', { ...autoMode(), accessConfig: { authenticationMode: 'CONFIG_MAP' } }),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(emu.state().eks.clusters.map((c) => c.name)).not.toContain('refused');
  });

  it('accepts Auto Mode fully disabled, with no access entries made for it', async () => {
    await create('manual', autoMode(false));
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'manual' }));
    expect(cluster?.computeConfig).toEqual({ enabled: false });
    expect(emu.state().eks.clusters.find((c) => c.name === 'manual')?.accessEntries).toHaveLength(1);
  });
});

// The it.each table above is built before beforeAll runs, so the node role is filled in later.
function autoModeLater(): Partial<CreateClusterCommandInput> {
  return {
    computeConfig: { enabled: true, nodePools: ['general-purpose'], nodeRoleArn: 'ROLE' },
    storageConfig: { blockStorage: { enabled: true } },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
  };
}

describe('enabling Auto Mode on an existing cluster (UpdateClusterConfig)', () => {
  it('UPDATING -> ACTIVE with an AutoModeUpdate DescribeUpdate follows', async () => {
    await create('existing', {});
    await waitUntilClusterActive({ client: eks, ...fast }, { name: 'existing' });
    emu.pauseClock();
    let updateId: string;
    try {
      const out = await eks.send(new UpdateClusterConfigCommand({ name: 'existing', ...autoMode() }));
      updateId = out.update!.id!;
      expect(out.update).toMatchObject({ type: 'AutoModeUpdate', status: 'InProgress' });
      expect(out.update?.params?.map((p) => p.type)).toEqual([
        'ComputeConfig',
        'StorageConfig',
        'KubernetesNetworkConfig',
      ]);
      expect((await eks.send(new DescribeClusterCommand({ name: 'existing' }))).cluster?.status).toBe(
        'UPDATING',
      );
      // One update at a time.
      await expect(
        eks.send(new UpdateClusterConfigCommand({ name: 'existing', ...autoMode(false) })),
      ).rejects.toThrow(/ACTIVE/);
    } finally {
      emu.resumeClock();
    }
    await waitUntilClusterActive({ client: eks, ...fast }, { name: 'existing' });
    const done = await eks.send(new DescribeUpdateCommand({ name: 'existing', updateId }));
    expect(done.update?.status).toBe('Successful');
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'existing' }));
    expect(cluster?.computeConfig?.enabled).toBe(true);
    expect(cluster?.status).toBe('ACTIVE');

    // The node role cannot change while compute stays on; turning everything off is allowed.
    const other = {
      ...autoMode(),
      computeConfig: { enabled: true, nodePools: ['system'], nodeRoleArn: pre.nodeRoleArn },
    };
    await expect(
      eks.send(new UpdateClusterConfigCommand({ name: 'existing', ...other })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await eks.send(new UpdateClusterConfigCommand({ name: 'existing', ...autoMode(false) }));
    await waitUntilClusterActive({ client: eks, ...fast }, { name: 'existing' });
    const entries = emu.state().eks.clusters.find((c) => c.name === 'existing')!.accessEntries;
    expect(entries.map((e) => e.principalArn)).not.toContain(autoNodeRole);
  });

  it('refuses what EKS refuses', async () => {
    await create('plain', {}, pre.clusterRoleArn);
    await waitUntilClusterActive({ client: eks, ...fast }, { name: 'plain' });
    // The cluster role's trust policy lacks sts:TagSession (EKS answers updates with InvalidRequest).
    await expect(
      eks.send(new UpdateClusterConfigCommand({ name: 'plain', ...autoMode() })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    const noType = await errorOf(
      eks.send(new UpdateClusterConfigCommand({ name: 'plain', computeConfig: { nodePools: [] } })),
    );
    expect(noType.message).toBe('The type for cluster update was not provided.');
    await expect(
      eks.send(new UpdateClusterConfigCommand({ name: 'plain', computeConfig: { enabled: true } })),
    ).rejects.toThrow(ALL_OR_NOTHING);
  });
});

describe('node access for Auto Mode', () => {
  it('an access entry of type EC2 takes AmazonEKSAutoNodePolicy, and only that', async () => {
    const custom = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'custom-node',
          AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com'),
        }),
      )
    ).Role!.Arn!;
    await expect(
      eks.send(
        new CreateAccessEntryCommand({
          clusterName: 'auto',
          principalArn: custom,
          type: 'EC2',
          kubernetesGroups: ['x'],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const entry = await eks.send(
      new CreateAccessEntryCommand({ clusterName: 'auto', principalArn: custom, type: 'EC2' }),
    );
    expect(entry.accessEntry?.username).toBe('system:node:{{EC2PrivateDNSName}}');
    await expect(
      eks.send(
        new AssociateAccessPolicyCommand({
          clusterName: 'auto',
          principalArn: custom,
          policyArn: `${ACCESS_POLICY}AmazonEKSViewPolicy`,
          accessScope: { type: 'cluster' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await eks.send(
      new AssociateAccessPolicyCommand({
        clusterName: 'auto',
        principalArn: custom,
        policyArn: `${ACCESS_POLICY}AmazonEKSAutoNodePolicy`,
        accessScope: { type: 'cluster' },
      }),
    );
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'auto', principalArn: custom }));
  });
});

describe("DescribeCluster's answer against botocore's EKS model", () => {
  it('every member of an Auto Mode cluster, Auto Mode fields included, is in the output shape with its type', async () => {
    const model = loadModel('eks');
    const output = model.shapes[model.operations['DescribeCluster']!.output!.shape]!;
    const { nodegroups, addons, accessEntries, podIdentityAssociations, ...cluster } = emu
      .state()
      .eks.clusters.find((c) => c.name === 'auto')!;
    expect(cluster['computeConfig']).toBeDefined();
    const problems = outputProblems({ cluster }, output, model.shapes, '');
    expect(problems).toEqual([]);
    // The Auto Mode members are there by the model's names.
    const clusterShape = model.shapes[output.members!['cluster']!.shape]!;
    expect(Object.keys(clusterShape.members!)).toEqual(
      expect.arrayContaining(['computeConfig', 'storageConfig', 'kubernetesNetworkConfig']),
    );
  });
});

/** Where a JSON answer leaves its botocore output shape: unknown members, wrong types, bad enums. */
function outputProblems(value: unknown, shape: Shape, shapes: Record<string, Shape>, at: string): string[] {
  const sub = (ref: { shape: string }) => shapes[ref.shape]!;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${at}: not an object`];
      return Object.entries(value).flatMap(([k, v]) => {
        const ref = shape.members?.[k];
        if (!ref) return [`${at}.${k}: not in the model`];
        return outputProblems(v, sub(ref), shapes, `${at}.${k}`);
      });
    }
    case 'list':
      return Array.isArray(value)
        ? value.flatMap((v, i) => outputProblems(v, sub(shape.member!), shapes, `${at}[${i}]`))
        : [`${at}: not a list`];
    case 'map':
      return typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) =>
            outputProblems(v, sub(shape.value!), shapes, `${at}.${k}`),
          )
        : [`${at}: not a map`];
    case 'string':
      if (typeof value !== 'string') return [`${at}: not a string`];
      return shape.enum && !shape.enum.includes(value)
        ? [`${at}: ${value} not one of ${shape.enum.join(', ')}`]
        : [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
    case 'timestamp':
      return typeof value === 'number' || typeof value === 'string' ? [] : [`${at}: not a timestamp`];
    default:
      return typeof value === 'number' ? [] : [`${at}: not a number (${shape.type})`];
  }
}
