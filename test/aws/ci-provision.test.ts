// The CI identity against the emulator with the real SDK clients: GitHub's OpenID Connect provider
// (found by URL, shared by the account's clusters), the cluster's CI role (trust checked by the
// emulator as IAM checks it, GitHub's sub guard included), its push policy on the cluster's own
// repositories, status, drift corrected by a re-run, CI dropped from the spec, and destroy, which
// removes the provider only when gitops made it and no role trusts it any more.
import {
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciStatus } from '../../src/integrations/aws/ci-status.js';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { ClusterSpec } from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator, teardown } from './fixtures.js';

const MUTATING = /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Update)/;
const GITHUB = 'token.actions.githubusercontent.com';
const CI = {
  github: {
    repositories: ['acme/notebooks', 'acme/models'],
    subjects: ['repo:acme/models:environment:production', 'ref:refs/heads/main'],
  },
};

interface TrustDoc {
  Statement: {
    Principal: { Federated: string };
    Action: string;
    Condition: Record<string, Record<string, string | string[]>>;
  }[];
}

describe('the CI identity, provisioned', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let iam: IAMClient;
  const spec = mlSpec('research', { ci: CI });
  const providerArn = () => `arn:aws:iam::${emu.accountId}:oidc-provider/${GITHUB}`;
  const providers = () => emu.state().iam.oidcProviders;
  const role = (name = 'gitops-research-ci') => emu.state().iam.roles.find((r) => r.RoleName === name);
  const tagsOf = (cluster: string) =>
    Object.fromEntries(Object.entries(emu.state().eks.clusters.find((c) => c.name === cluster)?.tags ?? {}));
  const status = (cluster = 'research') => ciStatus(aws, cluster, tagsOf(cluster));
  const mutatingSince = (at: number) =>
    emu
      .calls()
      .filter((c) => c.at >= at && MUTATING.test(c.operation))
      .map((c) => `${c.service}:${c.operation}`);

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    iam = new IAMClient(clientConfig(emu));
  });
  afterAll(() => emu.stop());

  it('a dry run from nothing names the provider, the role, its policy and the record, and changes nothing', async () => {
    const report = expectOk(
      await runPlan(buildPlan('dry', provisionSteps(spec, aws)), {
        sink: new RecordingSink(),
        dryRun: true,
        deadline: Date.now() + 30_000,
      }),
    );
    expect(report.steps.find((s) => s.id === 'aws:ci')).toMatchObject({
      result: 'would-change',
      summary: `create the OpenID Connect provider for ${GITHUB}; create role gitops-research-ci; put inline policy push-to-cluster-repositories; record CI on the cluster`,
    });
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('creates the provider, a role trusted by it for the listed subjects only, allowed to push to the cluster repositories', async () => {
    expectOk(await provision(spec, aws));
    expect(providers()).toHaveLength(1);
    expect(providers()[0]).toMatchObject({
      Arn: providerArn(),
      Url: GITHUB,
      ClientIDList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'gitops.dev/managed-by', Value: 'gitops' }],
    });
    const r = role()!;
    expect(r.Path).toBe('/gitops-ci/');
    const trust = r.AssumeRolePolicyDocument as unknown as TrustDoc;
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Federated: providerArn() },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com' },
        StringLike: {
          [`${GITHUB}:sub`]: [
            'repo:acme/models:environment:production',
            'repo:acme/models:ref:refs/heads/main',
            'repo:acme/notebooks:ref:refs/heads/main',
          ],
        },
      },
    });
    const push = r.InlinePolicies['push-to-cluster-repositories'] as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    expect(push.Statement.map((s) => s.Resource)).toEqual([
      '*',
      [
        `arn:aws:ecr:us-west-2:${emu.accountId}:repository/research/model-server`,
        `arn:aws:ecr:us-west-2:${emu.accountId}:repository/research/notebook`,
      ],
    ]);
    expect(push.Statement[0]!.Action).toBe('ecr:GetAuthorizationToken');
    expect(push.Statement[1]!.Action).toContain('ecr:PutImage');
    expect(r.AttachedPolicyArns).toEqual([]);
    expect(tagsOf('research')['gitops.dev/ci']).toBe('github');
  });

  it('a re-run changes nothing, and status shows the role in sync', async () => {
    const before = Date.now();
    const report = expectOk(await provision(spec, aws));
    expect(report.steps.find((s) => s.id === 'aws:ci')?.result).toBe('unchanged');
    expect(mutatingSince(before)).toEqual([]);
    expect(await status()).toEqual({
      provider: providerArn(),
      role: `arn:aws:iam::${emu.accountId}:role/gitops-ci/gitops-research-ci`,
      subjects: [
        'repo:acme/models:environment:production',
        'repo:acme/models:ref:refs/heads/main',
        'repo:acme/notebooks:ref:refs/heads/main',
      ],
      pushTo: ['research/model-server', 'research/notebook'],
      inSync: true,
      problems: [],
    });
  });

  it('drift made by hand is reported, and the next run puts back the trust and permissions', async () => {
    const wide = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn() },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { [`${GITHUB}:sub`]: 'repo:acme/*' } },
        },
      ],
    });
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'gitops-research-ci', PolicyDocument: wide }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'gitops-research-ci',
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }],
        }),
      }),
    );
    const drifted = await status();
    expect(drifted?.inSync).toBe(false);
    expect(drifted?.problems).toEqual([
      'ci: role gitops-research-ci holds other trust or permissions than bootstrap gave it',
    ]);
    const report = expectOk(await provision(spec, aws));
    expect(report.steps.find((s) => s.id === 'aws:ci')?.summary).toBe(
      'rewrite the trust policy; delete inline policy everything',
    );
    expect((await status())?.inSync).toBe(true);
  });

  it('a second cluster shares the provider; destroying one keeps it for the other', async () => {
    const other = mlSpec('other', { ci: { github: { repositories: ['acme/other'] } } });
    expectOk(await provision(other, aws));
    expect(providers()).toHaveLength(1);
    expect((await status('other'))?.subjects).toEqual(['repo:acme/other:*']);
    expectOk(await teardown('research', aws, { force: true }));
    expect(role()).toBeUndefined();
    expect(providers()).toHaveLength(1);
    expectOk(await teardown('other', aws, { force: true }));
    expect(role('gitops-other-ci')).toBeUndefined();
    expect(providers()).toEqual([]);
  });

  it('dropping ci from the spec removes the role, the record and the provider gitops made', async () => {
    const withCi = mlSpec('drop', { ci: { github: { repositories: ['acme/drop'] } } });
    expectOk(await provision(withCi, aws));
    expect(role('gitops-drop-ci')).toBeDefined();
    const report = expectOk(await provision(mlSpec('drop'), aws));
    expect(report.steps.find((s) => s.id === 'aws:ci')).toMatchObject({
      result: 'deleted',
      summary: `delete role gitops-drop-ci; delete the OpenID Connect provider for ${GITHUB} (no role trusts it); remove the CI record from the cluster`,
    });
    expect(role('gitops-drop-ci')).toBeUndefined();
    expect(providers()).toEqual([]);
    expect(tagsOf('drop')['gitops.dev/ci']).toBeUndefined();
    expect(await status('drop')).toBeUndefined();
    expectOk(await teardown('drop', aws, { force: true }));
  });

  it("uses a provider made outside gitops and never deletes it; refuses one without the action's audience", async () => {
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: `https://${GITHUB}`,
        ClientIDList: ['sts.amazonaws.com'],
      }),
    );
    const theirs: ClusterSpec = mlSpec('theirs', { ci: { github: { repositories: ['acme/theirs'] } } });
    expectOk(await provision(theirs, aws));
    expect((await status('theirs'))?.inSync).toBe(true);
    expectOk(await teardown('theirs', aws, { force: true }));
    expect(providers()).toHaveLength(1);

    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn() }));
    await iam.send(
      new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ['other'] }),
    );
    const report = await provision(mlSpec('refused', { ci: { github: { repositories: ['acme/x'] } } }), aws);
    const failed = report.steps.find((s) => s.id === 'aws:ci');
    expect(failed?.result).toBe('failed');
    expect(failed?.error?.message).toBe(
      `the account's OpenID Connect provider for ${GITHUB} does not list the audience sts.amazonaws.com`,
    );
    expect(failed?.error?.hint).toContain('aws iam add-client-id-to-open-id-connect-provider');
    expectOk(await teardown('refused', aws, { force: true }));
  });
});
