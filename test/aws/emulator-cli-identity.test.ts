import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliJson, cliList, runAwsCli } from '../support/aws-emulator/aws-cli.js';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { createEksPrerequisites, podIdentityTrustPolicy } from '../support/aws-emulator/testing.js';

// The AWS CLI (botocore) must read the answers of the IAM and EKS operations added for Pod
// Identity, inline policies, OIDC providers and Auto Mode, as it reads the older ones.

let emu: RunningEmulator;

async function ok(...args: string[]): Promise<CliJson> {
  const r = await runAwsCli(emu, args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.json;
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  await ok(
    'iam',
    'create-role',
    '--role-name',
    'trainer',
    '--assume-role-policy-document',
    podIdentityTrustPolicy(),
  );
}, 60_000);
afterAll(async () => {
  await emu.stop();
});

describe('the AWS CLI against the identity operations', () => {
  it('IAM: OIDC providers and inline role policies', { timeout: 120_000 }, async () => {
    const created = await ok(
      'iam',
      'create-open-id-connect-provider',
      '--url',
      'https://token.actions.githubusercontent.com',
      '--client-id-list',
      'sts.amazonaws.com',
    );
    const arn = created.OpenIDConnectProviderArn as string;
    const got = await ok('iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', arn);
    expect(got).toMatchObject({
      Url: 'token.actions.githubusercontent.com',
      ClientIDList: ['sts.amazonaws.com'],
    });
    expect(cliList(await ok('iam', 'list-open-id-connect-providers'), 'OpenIDConnectProviderList')).toEqual([
      { Arn: arn },
    ]);

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml-artifacts/*' }],
    });
    await ok(
      'iam',
      'put-role-policy',
      '--role-name',
      'trainer',
      '--policy-name',
      'read',
      '--policy-document',
      policy,
    );
    // botocore decodes the URL-encoded document and prints it as JSON.
    const inline = await ok('iam', 'get-role-policy', '--role-name', 'trainer', '--policy-name', 'read');
    expect(inline.PolicyDocument).toEqual(JSON.parse(policy));
    expect(await ok('iam', 'list-role-policies', '--role-name', 'trainer')).toMatchObject({
      PolicyNames: ['read'],
    });
  });

  it('EKS: Auto Mode clusters, UpdateClusterConfig and Pod Identity associations', {
    timeout: 120_000,
  }, async () => {
    const pre = await createEksPrerequisites(emu);
    await ok(
      'eks',
      'create-cluster',
      '--name',
      'cli',
      '--role-arn',
      pre.clusterRoleArn,
      '--resources-vpc-config',
      `subnetIds=${pre.subnetIds.join(',')}`,
    );
    await ok('eks', 'wait', 'cluster-active', '--name', 'cli');
    const described = await ok('eks', 'describe-cluster', '--name', 'cli');
    expect(described.cluster).toMatchObject({ status: 'ACTIVE' });

    const roleArn = (await ok('iam', 'get-role', '--role-name', 'trainer')).Role as { Arn: string };
    const created = await ok(
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'cli',
      '--namespace',
      'ml',
      '--service-account',
      'trainer',
      '--role-arn',
      roleArn.Arn,
    );
    const id = (created.association as { associationId: string }).associationId;
    const listed = await ok(
      'eks',
      'list-pod-identity-associations',
      '--cluster-name',
      'cli',
      '--namespace',
      'ml',
    );
    expect(cliList<{ associationId: string }>(listed, 'associations').map((a) => a.associationId)).toEqual([
      id,
    ]);
    const one = await ok(
      'eks',
      'describe-pod-identity-association',
      '--cluster-name',
      'cli',
      '--association-id',
      id,
    );
    expect(one.association).toMatchObject({ serviceAccount: 'trainer', roleArn: roleArn.Arn });
    await ok('eks', 'delete-pod-identity-association', '--cluster-name', 'cli', '--association-id', id);

    // The prerequisites' cluster role lacks sts:TagSession: EKS refuses Auto Mode for it.
    const refused = await runAwsCli(emu, [
      'eks',
      'update-cluster-config',
      '--name',
      'cli',
      '--compute-config',
      `enabled=true,nodePools=general-purpose,nodeRoleArn=${pre.nodeRoleArn}`,
      '--kubernetes-network-config',
      '{"elasticLoadBalancing":{"enabled":true}}',
      '--storage-config',
      '{"blockStorage":{"enabled":true}}',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('(InvalidRequestException)');
  });
});
