// A second, independent client: after the product's own steps provision a complete ml cluster in
// the emulator, the AWS CLI (botocore's parsers, not the JS SDK's) reads it all back. Every answer
// below went through a client this project did not write; the assertions check what it parsed.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TAG } from '../../src/integrations/aws/tags.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, expectOk, isTaggedFor, mlSpec, provision, startEmulator } from './fixtures.js';

const run = promisify(execFile);
const CLUSTER = 'research';

let emu: RunningEmulator;
let env: NodeJS.ProcessEnv;

/** `aws <args> --output json`, parsed; the CLI's stderr in the error when it fails. */
async function aws(...args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run('aws', [...args, '--output', 'json'], { env, timeout: 60_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`aws ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

beforeAll(async () => {
  emu = await startEmulator();
  expectOk(await provision(mlSpec(CLUSTER), clientsFor(emu)));
  const home = mkdtempSync(join(tmpdir(), 'aws-cli-'));
  // Only the emulator's endpoint and identity: no user config, no instance metadata lookups.
  env = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: emu.url,
    AWS_ACCESS_KEY_ID: emu.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    AWS_DEFAULT_REGION: emu.region,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
}, 120_000);
afterAll(() => emu.stop());

describe('the AWS CLI reads back what the product provisioned', () => {
  it('eks describe-cluster', async () => {
    const { cluster } = (await aws('eks', 'describe-cluster', '--name', CLUSTER)) as {
      cluster: Record<string, unknown> & { resourcesVpcConfig: { subnetIds: string[] } };
    };
    expect(cluster).toMatchObject({
      name: CLUSTER,
      status: 'ACTIVE',
      version: '1.33',
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      tags: { [CLUSTER_TAG]: CLUSTER },
    });
    expect(cluster.resourcesVpcConfig.subnetIds).toHaveLength(6);
    // CLI v1 prints timestamps as sent (cli_timestamp_format = none): epoch seconds, just now.
    expect(Math.abs(Number(cluster.createdAt) * 1000 - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('eks list-nodegroups / describe-nodegroup', async () => {
    const list = await aws('eks', 'list-nodegroups', '--cluster-name', CLUSTER);
    expect((list.nodegroups as string[]).sort()).toEqual(['cpu', 'gpu']);
    const { nodegroup } = (await aws(
      'eks',
      'describe-nodegroup',
      '--cluster-name',
      CLUSTER,
      '--nodegroup-name',
      'gpu',
    )) as { nodegroup: Record<string, unknown> };
    expect(nodegroup).toMatchObject({
      status: 'ACTIVE',
      amiType: 'AL2023_x86_64_NVIDIA',
      instanceTypes: ['g5.xlarge', 'g5.2xlarge'],
      scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 4 },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      labels: { 'nvidia.com/gpu.present': 'true' },
    });
  });

  it('eks list-addons / describe-addon', async () => {
    const list = await aws('eks', 'list-addons', '--cluster-name', CLUSTER);
    expect(list.addons).toContain('aws-ebs-csi-driver');
    const { addon } = (await aws(
      'eks',
      'describe-addon',
      '--cluster-name',
      CLUSTER,
      '--addon-name',
      'aws-ebs-csi-driver',
    )) as { addon: Record<string, unknown> };
    expect(addon).toMatchObject({ addonName: 'aws-ebs-csi-driver', status: 'ACTIVE' });
    expect(String(addon.addonVersion)).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
  });

  it('ec2 describe-vpcs / subnets / route-tables / nat-gateways', async () => {
    const filter = `Name=tag:${CLUSTER_TAG},Values=${CLUSTER}`;
    const { Vpcs } = (await aws('ec2', 'describe-vpcs', '--filters', filter)) as {
      Vpcs: { VpcId: string; CidrBlock: string }[];
    };
    expect(Vpcs).toHaveLength(1);
    expect(Vpcs[0]!.CidrBlock).toBe('10.0.0.0/16');
    const vpc = `Name=vpc-id,Values=${Vpcs[0]!.VpcId}`;
    const { Subnets } = (await aws('ec2', 'describe-subnets', '--filters', vpc)) as {
      Subnets: { AvailabilityZone: string; MapPublicIpOnLaunch: boolean }[];
    };
    expect(Subnets).toHaveLength(6);
    expect(new Set(Subnets.map((s) => s.AvailabilityZone))).toEqual(
      new Set(['us-west-2a', 'us-west-2b', 'us-west-2c']),
    );
    expect(Subnets.filter((s) => s.MapPublicIpOnLaunch)).toHaveLength(3);
    const { RouteTables } = (await aws('ec2', 'describe-route-tables', '--filters', vpc)) as {
      RouteTables: {
        Routes: { DestinationCidrBlock?: string; GatewayId?: string; NatGatewayId?: string }[];
      }[];
    };
    const defaults = RouteTables.flatMap((t) => t.Routes).filter(
      (r) => r.DestinationCidrBlock === '0.0.0.0/0',
    );
    expect(defaults.some((r) => r.GatewayId?.startsWith('igw-'))).toBe(true);
    expect(defaults.some((r) => r.NatGatewayId?.startsWith('nat-'))).toBe(true);
    const { NatGateways } = (await aws('ec2', 'describe-nat-gateways', '--filter', vpc)) as {
      NatGateways: { State: string; NatGatewayAddresses: { PublicIp: string }[] }[];
    };
    expect(NatGateways).toHaveLength(1);
    expect(NatGateways[0]).toMatchObject({ State: 'available' });
    expect(NatGateways[0]!.NatGatewayAddresses[0]!.PublicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('iam get-role / list-attached-role-policies (the trust policy decoded by the CLI)', async () => {
    const roles = emu.state().iam.roles.filter((r) => isTaggedFor({ tags: r.Tags }, CLUSTER));
    expect(roles).toHaveLength(2);
    for (const r of roles) {
      const { Role } = (await aws('iam', 'get-role', '--role-name', r.RoleName)) as {
        Role: {
          RoleName: string;
          Arn: string;
          AssumeRolePolicyDocument: { Statement: { Principal: { Service: string } }[] };
        };
      };
      expect(Role.Arn).toBe(`arn:aws:iam::${emu.accountId}:role/${r.RoleName}`);
      const service = Role.AssumeRolePolicyDocument.Statement[0]!.Principal.Service;
      expect(['eks.amazonaws.com', 'ec2.amazonaws.com']).toContain(service);
      const { AttachedPolicies } = (await aws(
        'iam',
        'list-attached-role-policies',
        '--role-name',
        r.RoleName,
      )) as {
        AttachedPolicies: { PolicyArn: string }[];
      };
      const arns = AttachedPolicies.map((p) => p.PolicyArn);
      if (service === 'eks.amazonaws.com')
        expect(arns).toContain('arn:aws:iam::aws:policy/AmazonEKSClusterPolicy');
      else expect(arns).toContain('arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy');
    }
  });

  it('ecr describe-repositories', async () => {
    const { repositories } = (await aws('ecr', 'describe-repositories')) as {
      repositories: { repositoryName: string; repositoryUri: string; imageTagMutability: string }[];
    };
    const byName = Object.fromEntries(repositories.map((r) => [r.repositoryName, r]));
    expect(byName[`${CLUSTER}/model-server`]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      repositoryUri: `${emu.accountId}.dkr.ecr.${emu.region}.amazonaws.com/${CLUSTER}/model-server`,
    });
    expect(byName[`${CLUSTER}/notebook`]).toBeDefined();
  });

  it('the new operations too: cluster versions, instance types, quotas', async () => {
    const versions = (await aws('eks', 'describe-cluster-versions', '--default-only')) as {
      clusterVersions: { clusterVersion: string; defaultVersion: boolean; versionStatus: string }[];
    };
    expect(versions.clusterVersions).toHaveLength(1);
    expect(versions.clusterVersions[0]!.defaultVersion).toBe(true);
    const types = (await aws('ec2', 'describe-instance-types', '--instance-types', 'g5.xlarge')) as {
      InstanceTypes: { GpuInfo: { Gpus: { Name: string }[] }; VCpuInfo: { DefaultVCpus: number } }[];
    };
    expect(types.InstanceTypes[0]).toMatchObject({
      VCpuInfo: { DefaultVCpus: 4 },
      GpuInfo: { Gpus: [{ Name: 'A10G' }] },
    });
    const quota = (await aws(
      'service-quotas',
      'get-service-quota',
      '--service-code',
      'ec2',
      '--quota-code',
      'L-DB2E81BA',
    )) as {
      Quota: { QuotaName: string; Value: number };
    };
    expect(quota.Quota).toMatchObject({ QuotaName: 'Running On-Demand G and VT instances', Value: 64 });
  });

  it('and it is refused as AWS would refuse it, in a form the CLI understands', async () => {
    const failed = await aws('eks', 'describe-cluster', '--name', 'no-such-cluster').catch(
      (e: Error) => e.message,
    );
    expect(failed).toContain(
      'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation',
    );
    const invalid = await aws('iam', 'get-role', '--role-name', 'has space').catch((e: Error) => e.message);
    expect(invalid).toContain(
      'An error occurred (ValidationError) when calling the GetRole operation: 1 validation error detected',
    );
  });
});
