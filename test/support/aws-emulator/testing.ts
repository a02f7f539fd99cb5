// Helpers for tests that point real AWS SDK clients at the emulator.

import type { RunningEmulator } from './index.js';

export interface SdkClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `new EKSClient(clientConfig(emu))`: every client shares the one emulator URL. */
export function clientConfig(
  emu: Pick<RunningEmulator, 'url' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  credentials?: SdkClientConfig['credentials'],
): SdkClientConfig {
  return {
    endpoint: emu.url,
    region: emu.region,
    credentials: credentials ?? { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
  };
}

/**
 * For `new S3Client(...)`: path-style addressing (/bucket/key), the only one the emulator serves,
 * as a product client must set against an injected endpoint.
 */
export function s3ClientConfig(
  emu: Pick<RunningEmulator, 'url' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  credentials?: SdkClientConfig['credentials'],
): SdkClientConfig & { forcePathStyle: true } {
  return { ...clientConfig(emu, credentials), forcePathStyle: true };
}

/** The trust policy a service role needs, e.g. trustPolicy('eks.amazonaws.com'). */
export function trustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * A trust policy EKS Pod Identity accepts: pods.eks.amazonaws.com may assume the role and tag the
 * session. `actions` splits the grant into one statement per list, or leaves actions out.
 */
export function podIdentityTrustPolicy(actions: string[][] = [['sts:AssumeRole', 'sts:TagSession']]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: actions.map((Action) => ({
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action,
    })),
  });
}

export interface EksPrerequisites {
  clusterRoleArn: string;
  nodeRoleArn: string;
  vpcId: string;
  /** Three subnets in three availability zones. */
  subnetIds: string[];
}

/**
 * What EKS needs before CreateCluster/CreateNodegroup succeed: a cluster role, a node role with
 * the managed policies EKS checks for, and subnets in several AZs. Made with the real SDK.
 */
export async function createEksPrerequisites(
  emu: RunningEmulator,
  prefix = 'test',
): Promise<EksPrerequisites> {
  const { IAMClient, CreateRoleCommand, AttachRolePolicyCommand } = await import('@aws-sdk/client-iam');
  const { EC2Client, CreateVpcCommand, CreateSubnetCommand } = await import('@aws-sdk/client-ec2');
  const iam = new IAMClient(clientConfig(emu));
  const ec2 = new EC2Client(clientConfig(emu));
  const clusterRole = await iam.send(
    new CreateRoleCommand({
      RoleName: `${prefix}-cluster`,
      AssumeRolePolicyDocument: trustPolicy('eks.amazonaws.com'),
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: `${prefix}-cluster`,
      PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
    }),
  );
  const nodeRole = await iam.send(
    new CreateRoleCommand({
      RoleName: `${prefix}-node`,
      AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com'),
    }),
  );
  for (const policy of [
    'AmazonEKSWorkerNodePolicy',
    'AmazonEKS_CNI_Policy',
    'AmazonEC2ContainerRegistryReadOnly',
  ]) {
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: `${prefix}-node`,
        PolicyArn: `arn:aws:iam::aws:policy/${policy}`,
      }),
    );
  }
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const subnetIds: string[] = [];
  for (const [i, az] of ['a', 'b', 'c'].entries()) {
    const s = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc!.VpcId!,
        CidrBlock: `10.0.${i * 16}.0/20`,
        AvailabilityZone: `${emu.region}${az}`,
      }),
    );
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  iam.destroy();
  ec2.destroy();
  return {
    clusterRoleArn: clusterRole.Role!.Arn!,
    nodeRoleArn: nodeRole.Role!.Arn!,
    vpcId: vpc.Vpc!.VpcId!,
    subnetIds,
  };
}
