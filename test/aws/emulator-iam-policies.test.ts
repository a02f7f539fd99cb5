import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  EntityAlreadyExistsException,
  GetOpenIDConnectProviderCommand,
  GetRolePolicyCommand,
  IAMClient,
  InvalidInputException,
  LimitExceededException,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  ListRolePoliciesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, trustPolicy } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let iam: IAMClient;

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITHUB_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function doc(statement: Record<string, unknown> | Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statement });
}

function githubTrust(condition?: Record<string, unknown>): string {
  return doc({
    Effect: 'Allow',
    Principal: { Federated: GITHUB_ARN },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...(condition ? { Condition: condition } : {}),
  });
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
  iam = new IAMClient(clientConfig(emu));
  await iam.send(
    new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com') }),
  );
});
afterAll(async () => {
  await emu.stop();
});

describe('IAM inline role policies', () => {
  const s3Read = doc({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::artifacts/*' });

  it('put / get (URL-encoded) / list / replace / delete', async () => {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'b-read', PolicyDocument: s3Read }),
    );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'a-read', PolicyDocument: s3Read }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'b-read' }));
    expect(got.RoleName).toBe('worker');
    expect(got.PolicyDocument).toBe(encodeURIComponent(s3Read));
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(s3Read));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }));
    expect(listed.PolicyNames).toEqual(['a-read', 'b-read']);
    const page = await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker', MaxItems: 1 }));
    expect(page).toMatchObject({ PolicyNames: ['a-read'], IsTruncated: true });
    const next = await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker', Marker: page.Marker! }));
    expect(next).toMatchObject({ PolicyNames: ['b-read'], IsTruncated: false });

    const replaced = doc({ Effect: 'Deny', NotAction: 's3:*', NotResource: '*' });
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'a-read', PolicyDocument: replaced }),
    );
    const again = await iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'a-read' }));
    expect(decodeURIComponent(again.PolicyDocument!)).toBe(replaced);
    expect(emu.state().iam.roles.find((r) => r.RoleName === 'worker')?.InlinePolicies).toEqual({
      'a-read': JSON.parse(replaced),
      'b-read': JSON.parse(s3Read),
    });

    // A role with inline policies cannot be deleted (IAM: "must delete policies first").
    const conflict = await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'worker' })));
    expect(conflict).toBeInstanceOf(DeleteConflictException);
    expect(conflict.message).toBe('Cannot delete entity, must delete policies first.');
    for (const name of ['a-read', 'b-read']) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: name }));
    }
    await expect(
      iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'a-read' })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    const gone = await errorOf(
      iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'a-read' })),
    );
    expect(gone.message).toBe('The role policy with name a-read cannot be found.');
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }))).PolicyNames).toEqual([]);
  });

  it.each([
    ['not JSON', '{"Version":', 'Syntax errors in policy.'],
    [
      'an unknown top-level element',
      JSON.stringify({ Version: '2012-10-17', Statment: [] }),
      'Syntax errors in policy.',
    ],
    ['no statement', JSON.stringify({ Version: '2012-10-17' }), 'Syntax errors in policy.'],
    [
      'an unknown version',
      JSON.stringify({ Version: '2020-01-01', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }),
      'Syntax errors in policy.',
    ],
    ['Effect Permit', doc({ Effect: 'Permit', Action: '*', Resource: '*' }), 'Syntax errors in policy.'],
    [
      'Effect allow (lower case)',
      doc({ Effect: 'allow', Action: '*', Resource: '*' }),
      'The policy failed legacy parsing',
    ],
    [
      'Action and NotAction',
      doc({ Effect: 'Allow', Action: 's3:*', NotAction: 'ec2:*', Resource: '*' }),
      'Syntax errors in policy.',
    ],
    ['no action', doc({ Effect: 'Allow', Resource: '*' }), 'Policy statement must contain actions.'],
    ['no resource', doc({ Effect: 'Allow', Action: 's3:*' }), 'Policy statement must contain resources.'],
    [
      'a principal',
      doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }),
      'Policy document should not specify a principal.',
    ],
    [
      'an action without vendor',
      doc({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'a resource that is no ARN',
      doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'my-bucket' }),
      'Resource my-bucket must be in ARN format or "*".',
    ],
    [
      'duplicate Sids',
      doc([
        { Sid: 'a', Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Sid: 'a', Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
      ]),
      'Statement IDs (SID) in a single policy must be unique.',
    ],
  ])('refuses a policy with %s (MalformedPolicyDocument)', async (_what, policy, message) => {
    const err = await errorOf(
      iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'bad', PolicyDocument: policy })),
    );
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(err.message).toBe(message);
  });

  it('counts all inline policies of a role against 10,240 characters, white space excluded', async () => {
    const big = (n: number) =>
      doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(n)}` });
    const padding = JSON.stringify(JSON.parse(big(6000)), null, 8); // white space is free
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'one', PolicyDocument: padding }),
    );
    const err = await errorOf(
      iam.send(
        new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'two', PolicyDocument: big(5000) }),
      ),
    );
    expect(err).toBeInstanceOf(LimitExceededException);
    expect(err.message).toBe('Maximum policy size of 10240 bytes exceeded for role worker');
    expect(err.$metadata?.httpStatusCode).toBe(409);
    // Replacing a policy counts the new document instead of the old one.
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'one', PolicyDocument: big(5000) }),
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'one' }));
  });

  it('checks names and the role', async () => {
    const ok = doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' });
    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: 'nobody', PolicyName: 'p', PolicyDocument: ok })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    const bad = await errorOf(
      iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'has space', PolicyDocument: ok })),
    );
    expect(bad.name).toBe('ValidationError');
  });
});

describe('IAM OpenID Connect providers', () => {
  it('create / get / list / tag / untag / delete', async () => {
    const created = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: GITHUB,
        ClientIDList: ['sts.amazonaws.com'],
        Tags: [{ Key: 'gitops.dev/managed-by', Value: 'gitops' }],
      }),
    );
    expect(created.OpenIDConnectProviderArn).toBe(GITHUB_ARN);
    expect(created.Tags).toEqual([{ Key: 'gitops.dev/managed-by', Value: 'gitops' }]);
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: GITHUB_ARN }));
    // IAM keeps the issuer without its scheme; without a thumbprint list it finds one itself.
    expect(got.Url).toBe('token.actions.githubusercontent.com');
    expect(got.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(got.ThumbprintList).toHaveLength(1);
    expect(got.ThumbprintList![0]).toMatch(/^[0-9a-f]{40}$/);
    expect(got.CreateDate).toBeInstanceOf(Date);

    const dup = await errorOf(
      iam.send(new CreateOpenIDConnectProviderCommand({ Url: GITHUB, ClientIDList: ['sts.amazonaws.com'] })),
    );
    expect(dup).toBeInstanceOf(EntityAlreadyExistsException);
    expect(dup.$metadata?.httpStatusCode).toBe(409);

    await iam.send(
      new TagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: GITHUB_ARN,
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    await iam.send(
      new UntagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: GITHUB_ARN,
        TagKeys: ['gitops.dev/managed-by'],
      }),
    );
    const tags = await iam.send(
      new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: GITHUB_ARN }),
    );
    expect(tags).toMatchObject({ Tags: [{ Key: 'team', Value: 'ml' }], IsTruncated: false });

    const other = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://oidc.example.com/tenant',
        ThumbprintList: ['a031c46782e6e6c662c2c87c76da9aa62ccabd8e'],
      }),
    );
    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(list.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual([
      'arn:aws:iam::123456789012:oidc-provider/oidc.example.com/tenant',
      GITHUB_ARN,
    ]);
    await iam.send(
      new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: other.OpenIDConnectProviderArn! }),
    );
    // Deleting is idempotent, as IAM documents.
    await iam.send(
      new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: other.OpenIDConnectProviderArn! }),
    );
    await expect(
      iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: other.OpenIDConnectProviderArn! }),
      ),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    expect(emu.state().iam.oidcProviders.map((p) => p.Url)).toEqual(['token.actions.githubusercontent.com']);
  });

  it('refuses a URL that is not https and thumbprints that are not SHA-1 hex', async () => {
    await expect(
      iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://issuer.example.com' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    await expect(
      iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.com?x=1' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    const err = await errorOf(
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: 'https://issuer.example.com',
          ThumbprintList: ['abc'],
        }),
      ),
    );
    expect(err.name).toBe('ValidationError');
  });
});

describe('trust policies with federated principals', () => {
  const scoped = { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/fleet:*' } };

  it('needs the OIDC provider to exist, as IAM resolves principals when it stores them', async () => {
    const missing = 'arn:aws:iam::123456789012:oidc-provider/oidc.nowhere.example.com';
    const err = await errorOf(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'ci-deployer-x',
          AssumeRolePolicyDocument: doc({
            Effect: 'Allow',
            Principal: { Federated: missing },
            Action: 'sts:AssumeRoleWithWebIdentity',
          }),
        }),
      ),
    );
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(err.message).toBe(`Invalid principal in policy: "Federated":"${missing}"`);
    const notAnArn = await errorOf(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'ci-deployer-y',
          AssumeRolePolicyDocument: doc({
            Effect: 'Allow',
            Principal: { Federated: 'arn:aws:iam::123456789012:role/not-a-provider' },
            Action: 'sts:AssumeRoleWithWebIdentity',
          }),
        }),
      ),
    );
    expect(notAnArn.message).toBe('Federated principals must be valid domain names or SAML metadata ARNs');
  });

  it("requires GitHub's sub claim to be scoped, on create and on update", async () => {
    for (const condition of [undefined, { StringLike: { 'token.actions.githubusercontent.com:sub': '*' } }]) {
      const err = await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: githubTrust(condition) })),
      );
      expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
      expect(err.message).toContain('which is not scoped to all');
    }
    await iam.send(new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: githubTrust(scoped) }));
    await expect(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ci', PolicyDocument: githubTrust() })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
    const workflow = {
      StringEquals: {
        'token.actions.githubusercontent.com:job_workflow_ref':
          'acme/fleet/.github/workflows/ci.yml@refs/heads/main',
      },
    };
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'ci', PolicyDocument: githubTrust(workflow) }),
    );
  });

  it('checks the trust policy document itself', async () => {
    const cases: [string, string][] = [
      [doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'Missing required field Principal'],
      [
        doc({
          Effect: 'Allow',
          Principal: { Service: 'ec2.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Resource: '*',
        }),
        'Has prohibited field Resource',
      ],
      [
        doc({ Effect: 'Allow', Principal: { Robot: 'r2d2' }, Action: 'sts:AssumeRole' }),
        'Invalid principal in policy',
      ],
    ];
    for (const [policy, message] of cases) {
      const err = await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: policy })),
      );
      expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
      expect(err.message).toBe(message);
    }
    const many = doc(
      Array.from({ length: 40 }, (_, i) => ({
        Effect: 'Allow',
        Principal: { Service: `service-number-${i}.amazonaws.com` },
        Action: 'sts:AssumeRole',
      })),
    );
    const err = await errorOf(
      iam.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: many })),
    );
    expect(err).toBeInstanceOf(LimitExceededException);
    expect(err.message).toBe('Cannot exceed quota for ACLSizePerRole: 2048');
  });

  it('still accepts the managed policies controllers need', async () => {
    for (const name of [
      'service-role/AmazonEBSCSIDriverPolicy',
      'AmazonEKSLoadBalancingPolicy',
      'AmazonS3ReadOnlyAccess',
    ]) {
      await iam.send(
        new AttachRolePolicyCommand({ RoleName: 'ci', PolicyArn: `arn:aws:iam::aws:policy/${name}` }),
      );
    }
  });
});
