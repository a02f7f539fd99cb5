// Instance types and zones: what EC2 says exists and where, and what EKS refuses because of it.
import {
  CreateSubnetCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  type CreateNodegroupCommandInput,
  EKSClient,
  InvalidParameterException,
  InvalidRequestException,
  UnsupportedAvailabilityZoneException,
  waitUntilClusterActive,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let ec2: EC2Client;
let eks: EKSClient;
let pre: EksPrerequisites;
let subnetD: string;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  const cfg = { ...clientConfig(emu), maxAttempts: 1 };
  ec2 = new EC2Client(cfg);
  eks = new EKSClient(cfg);
  pre = await createEksPrerequisites(emu, 'it');
  const d = await ec2.send(
    new CreateSubnetCommand({ VpcId: pre.vpcId, CidrBlock: '10.0.48.0/20', AvailabilityZone: 'us-west-2d' }),
  );
  subnetD = d.Subnet!.SubnetId!;
  await eks.send(
    new CreateClusterCommand({
      name: 'c',
      version: '1.33',
      roleArn: pre.clusterRoleArn,
      resourcesVpcConfig: { subnetIds: pre.subnetIds },
    }),
  );
  await waitUntilClusterActive(
    { client: eks, maxWaitTime: 20, minDelay: 0.05, maxDelay: 0.1 },
    { name: 'c' },
  );
});
afterAll(async () => {
  ec2.destroy();
  eks.destroy();
  await emu.stop();
});

describe('EC2 instance types and offerings', () => {
  it('describes architecture, vCPUs, memory and GPUs; unknown names are InvalidInstanceType', async () => {
    const out = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ['g5.xlarge', 'm7g.large'] }),
    );
    const byName = Object.fromEntries(out.InstanceTypes!.map((t) => [t.InstanceType, t]));
    expect(byName['g5.xlarge']).toMatchObject({
      ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
      VCpuInfo: { DefaultVCpus: 4 },
      MemoryInfo: { SizeInMiB: 16384 },
      GpuInfo: {
        Gpus: [{ Name: 'A10G', Manufacturer: 'NVIDIA', Count: 1, MemoryInfo: { SizeInMiB: 24576 } }],
      },
    });
    expect(byName['m7g.large']?.ProcessorInfo?.SupportedArchitectures).toEqual(['arm64']);
    expect(byName['m7g.large']?.GpuInfo).toBeUndefined();
    // Not an instance type at all: refused by EC2's model (its enum) in EC2's own words.
    await expect(
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['foo.bar' as _InstanceType] })),
    ).rejects.toMatchObject({
      name: 'InvalidInstanceType',
      message: 'The following supplied instance types do not exist: [foo.bar]',
    });
    const arm = await ec2.send(
      new DescribeInstanceTypesCommand({
        Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }],
      }),
    );
    expect(arm.InstanceTypes!.every((t) => t.ProcessorInfo?.SupportedArchitectures?.[0] === 'arm64')).toBe(
      true,
    );
    expect(arm.InstanceTypes!.map((t) => t.InstanceType)).toContain('g5g.xlarge');
  });

  it('offers some types in some zones only', async () => {
    const zones = await ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: ['g5.xlarge', 'm5.large'] }],
      }),
    );
    const where = (t: string) =>
      zones
        .InstanceTypeOfferings!.filter((o) => o.InstanceType === t)
        .map((o) => o.Location)
        .sort();
    expect(where('m5.large')).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d']);
    expect(where('g5.xlarge')).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    const ids = await ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone-id',
        Filters: [{ Name: 'instance-type', Values: ['p4d.24xlarge'] }],
      }),
    );
    expect(ids.InstanceTypeOfferings!.map((o) => o.Location).sort()).toEqual(['usw2-az1', 'usw2-az2']);
    const region = await ec2.send(new DescribeInstanceTypeOfferingsCommand({}));
    expect(
      region.InstanceTypeOfferings!.every((o) => o.LocationType === 'region' && o.Location === 'us-west-2'),
    ).toBe(true);
  });
});

describe('EKS refuses node groups EC2 cannot run', () => {
  const ng = (over: Partial<CreateNodegroupCommandInput>): CreateNodegroupCommandInput => ({
    clusterName: 'c',
    nodegroupName: 'ng',
    nodeRole: pre.nodeRoleArn,
    subnets: pre.subnetIds,
    ...over,
  });
  const refusal = (over: Partial<CreateNodegroupCommandInput>) =>
    eks.send(new CreateNodegroupCommand(ng(over))).then(
      () => {
        throw new Error('accepted');
      },
      (e: Error) => e,
    );

  it('an instance type that does not exist', async () => {
    const e = await refusal({ instanceTypes: ['foo.bar'] });
    expect(e).toBeInstanceOf(InvalidParameterException);
    expect(e.message).toBe('The following supplied instance types do not exist: [foo.bar]');
  });

  it('architecture and accelerator mismatches with the AMI type', async () => {
    const arm = await refusal({ instanceTypes: ['t4g.medium'], amiType: 'AL2023_x86_64_STANDARD' });
    expect(arm.message).toBe(
      '[t4g.medium] is not a valid instance type for requested amiType AL2023_x86_64_STANDARD',
    );
    const gpuAmi = await refusal({ instanceTypes: ['m5.large'], amiType: 'AL2023_x86_64_NVIDIA' });
    expect(gpuAmi.message).toBe(
      '[m5.large] is not a valid instance type for requested amiType AL2023_x86_64_NVIDIA',
    );
    const plainOnG4 = await refusal({ instanceTypes: ['g4dn.xlarge'], amiType: 'AL2023_x86_64_STANDARD' });
    expect(plainOnG4).toBeInstanceOf(InvalidParameterException);
    const neuron = await refusal({ instanceTypes: ['g5.xlarge'], amiType: 'AL2023_x86_64_NEURON' });
    expect(neuron.message).toContain('[g5.xlarge] is not a valid instance type');
  });

  it('no Amazon Linux 2 AMIs from Kubernetes 1.33 on', async () => {
    const e = await refusal({ instanceTypes: ['m5.large'], amiType: 'AL2_x86_64' });
    expect(e).toBeInstanceOf(InvalidParameterException);
    expect(e.message).toContain('Amazon Linux 2 AMIs (AL2_x86_64) are not published for Kubernetes 1.33');
  });

  it('a type not offered in one of the subnets’ zones, in EKS’s words', async () => {
    const e = await refusal({
      instanceTypes: ['g5.xlarge'],
      amiType: 'AL2023_x86_64_NVIDIA',
      subnets: [...pre.subnetIds, subnetD],
    });
    expect(e).toBeInstanceOf(InvalidRequestException);
    expect(e.message).toBe(
      'Your requested instance type (g5.xlarge) is not supported in your requested Availability Zone (us-west-2d). Please retry your request by not specifying an Availability Zone or choosing us-west-2a, us-west-2b, us-west-2c.',
    );
  });

  it('the limits of the issue: 25 instance types, 60 taints, maxSize 5000, diskSize 1', async () => {
    const types = await refusal({ instanceTypes: Array.from({ length: 25 }, () => 'm5.large') });
    expect(types.message).toContain('at most 20 instance types');
    const taints = await refusal({
      taints: Array.from({ length: 60 }, (_, i) => ({
        key: `k${i}`,
        value: 'v',
        effect: 'NO_SCHEDULE' as const,
      })),
    });
    expect(taints.message).toContain('at most 50 taints');
    const max = await refusal({ scalingConfig: { minSize: 1, maxSize: 5000, desiredSize: 1 } });
    expect(max.message).toContain('maxSize 5000 exceeds the 450 nodes');
    const disk = await refusal({ diskSize: 1 });
    expect(disk.message).toContain('diskSize 1 GiB is smaller');
    for (const e of [types, taints, max, disk]) expect(e).toBeInstanceOf(InvalidParameterException);
  });

  it('accepts what EC2 can run: GPU types in the zones that have them', async () => {
    const out = await eks.send(
      new CreateNodegroupCommand(
        ng({
          nodegroupName: 'gpu',
          instanceTypes: ['g5.xlarge'],
          amiType: 'AL2023_x86_64_NVIDIA',
          diskSize: 100,
        }),
      ),
    );
    expect(out.nodegroup?.status).toBe('CREATING');
    const plain = await eks.send(new CreateNodegroupCommand(ng({ nodegroupName: 'plain' })));
    expect(plain.nodegroup?.instanceTypes).toEqual(['t3.medium']);
  });
});

describe('EKS control planes stay out of unsupported zones', () => {
  it('names the zones to retry with (UnsupportedAvailabilityZoneException)', async () => {
    const e = await eks
      .send(
        new CreateClusterCommand({
          name: 'in-d',
          roleArn: pre.clusterRoleArn,
          resourcesVpcConfig: { subnetIds: [pre.subnetIds[0]!, subnetD] },
        }),
      )
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedAvailabilityZoneException);
    const err = e as UnsupportedAvailabilityZoneException;
    expect(err.message).toBe(
      "Cannot create cluster 'in-d' because us-west-2d, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: us-west-2a, us-west-2b, us-west-2c",
    );
    expect(err.validZones).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    expect(err.clusterName).toBe('in-d');
  });

  it('us-east-1 has six zones and EKS refuses us-east-1e', async () => {
    const east = await startAwsEmulator({ timeScale: 0.001, region: 'us-east-1' });
    const cfg = { ...clientConfig(east), maxAttempts: 1 };
    const ec2East = new EC2Client(cfg);
    const eksEast = new EKSClient(cfg);
    try {
      const zones = await ec2East.send(new DescribeAvailabilityZonesCommand({}));
      expect(zones.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `us-east-1${l}`),
      );
      const p = await createEksPrerequisites(east, 'east');
      const e = await ec2East.send(
        new CreateSubnetCommand({
          VpcId: p.vpcId,
          CidrBlock: '10.0.64.0/20',
          AvailabilityZone: 'us-east-1e',
        }),
      );
      const err = await eksEast
        .send(
          new CreateClusterCommand({
            name: 'east',
            roleArn: p.clusterRoleArn,
            resourcesVpcConfig: { subnetIds: [p.subnetIds[0]!, e.Subnet!.SubnetId!] },
          }),
        )
        .catch((x: unknown) => x);
      expect(err).toBeInstanceOf(UnsupportedAvailabilityZoneException);
      expect((err as UnsupportedAvailabilityZoneException).validZones).toEqual([
        'us-east-1a',
        'us-east-1b',
        'us-east-1c',
        'us-east-1d',
        'us-east-1f',
      ]);
    } finally {
      ec2East.destroy();
      eksEast.destroy();
      await east.stop();
    }
  });
});
