import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  IAMClient,
  InvalidInputException,
  ListAttachedRolePoliciesCommand,
  ListRoleTagsCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, trustPolicy } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let iam: IAMClient;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  iam = new IAMClient(clientConfig(emu));
});
afterAll(async () => {
  await emu.stop();
});

describe('STS', () => {
  it('GetCallerIdentity names the default test identity', async () => {
    const out = await new STSClient(clientConfig(emu)).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe('123456789012');
    expect(out.Arn).toBe('arn:aws:iam::123456789012:user/gitops-test');
    expect(out.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('answers for an added assumed-role identity with a session token', async () => {
    emu.addIdentity({
      accessKeyId: 'ASIAEMULATORTEST0001',
      secretAccessKey: 'fake-secret-for-role-session',
      sessionToken: 'fake-session-token',
      arn: 'arn:aws:sts::210987654321:assumed-role/ci-deployer/job-42',
    });
    const sts = new STSClient(
      clientConfig(emu, {
        accessKeyId: 'ASIAEMULATORTEST0001',
        secretAccessKey: 'fake-secret-for-role-session',
        sessionToken: 'fake-session-token',
      }),
    );
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe('210987654321');
    expect(out.Arn).toBe('arn:aws:sts::210987654321:assumed-role/ci-deployer/job-42');
    expect(out.UserId).toMatch(/^AROA[A-Z2-7]{17}:job-42$/);
  });
});

describe('IAM roles', () => {
  it('create / get / tag / attach / detach / delete round trip', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'research-cluster',
        AssumeRolePolicyDocument: trustPolicy('eks.amazonaws.com'),
        Tags: [{ Key: 'gitops.dev/cluster', Value: 'research' }],
      }),
    );
    expect(created.Role?.Arn).toBe('arn:aws:iam::123456789012:role/research-cluster');
    expect(created.Role?.RoleId).toMatch(/^AROA/);
    // IAM answers the trust policy URL-encoded, as real IAM does.
    expect(JSON.parse(decodeURIComponent(created.Role!.AssumeRolePolicyDocument!))).toEqual(
      JSON.parse(trustPolicy('eks.amazonaws.com')),
    );

    const got = await iam.send(new GetRoleCommand({ RoleName: 'research-cluster' }));
    expect(got.Role?.Tags).toEqual([{ Key: 'gitops.dev/cluster', Value: 'research' }]);
    expect(got.Role?.CreateDate).toBeInstanceOf(Date);

    await iam.send(
      new TagRoleCommand({
        RoleName: 'research-cluster',
        Tags: [{ Key: 'gitops.dev/managed-by', Value: 'gitops' }],
      }),
    );
    await iam.send(new UntagRoleCommand({ RoleName: 'research-cluster', TagKeys: ['gitops.dev/cluster'] }));
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: 'research-cluster' }));
    expect(tags.Tags).toEqual([{ Key: 'gitops.dev/managed-by', Value: 'gitops' }]);
    expect(tags.IsTruncated).toBe(false);

    const policy = 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy';
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'research-cluster', PolicyArn: policy }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'research-cluster', PolicyArn: policy }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'research-cluster' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AmazonEKSClusterPolicy', PolicyArn: policy }]);

    await expect(iam.send(new DeleteRoleCommand({ RoleName: 'research-cluster' }))).rejects.toBeInstanceOf(
      DeleteConflictException,
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'research-cluster', PolicyArn: policy }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'research-cluster' }));
    await expect(iam.send(new GetRoleCommand({ RoleName: 'research-cluster' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
    expect(emu.state().iam.roles.find((r) => r.RoleName === 'research-cluster')).toBeUndefined();
  });

  it('raises the typed exceptions IAM defines', async () => {
    const doc = trustPolicy('ec2.amazonaws.com');
    await iam.send(new CreateRoleCommand({ RoleName: 'dup', AssumeRolePolicyDocument: doc }));
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'dup', AssumeRolePolicyDocument: doc })),
    ).rejects.toBeInstanceOf(EntityAlreadyExistsException);
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'bad-doc', AssumeRolePolicyDocument: '{not json' })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
    await expect(
      iam.send(
        new AttachRolePolicyCommand({ RoleName: 'dup', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' }),
      ),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: 'dup', PolicyArn: 'not-an-arn-though-long-enough' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    // Shorter than the model's 20-character minimum for an ARN: refused before IAM reads it.
    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: 'dup', PolicyArn: 'not-an-arn' })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      iam.send(
        new DetachRolePolicyCommand({
          RoleName: 'dup',
          PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
        }),
      ),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    await expect(
      iam.send(new TagRoleCommand({ RoleName: 'dup', Tags: [{ Key: 'aws:reserved', Value: 'x' }] })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    const err = await iam.send(new GetRoleCommand({ RoleName: 'missing' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoSuchEntityException);
    expect((err as NoSuchEntityException).$metadata.httpStatusCode).toBe(404);
    expect((err as NoSuchEntityException).message).toBe('The role with name missing cannot be found.');
  });
});
