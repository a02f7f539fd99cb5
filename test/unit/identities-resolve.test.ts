// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policies use ${param} placeholders on purpose
// Workload identities as a profile and the cluster spec declare them: IAM's policy grammar, the
// placeholders, the merge by service account, and errors that name the file and the JSON path.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { policyIssues } from '../../src/spec/iam-policy.js';
import type { SpecIdentity } from '../../src/spec/identity.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { profileYaml, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const ok = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ReadOne', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }],
};

describe('IAM permissions policy grammar', () => {
  it('accepts a plain policy, a lone statement, NotAction/NotResource and conditions', () => {
    expect(policyIssues(ok)).toEqual([]);
    expect(
      policyIssues({
        Version: '2012-10-17',
        Statement: {
          Effect: 'Deny',
          NotAction: ['iam:*'],
          NotResource: '*',
          Condition: {
            'ForAnyValue:StringLike': { 'aws:TagKeys': ['team/*'] },
            BoolIfExists: { 'aws:MultiFactorAuthPresent': false },
            Null: { 'aws:ResourceTag/owner': 'false' },
          },
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ ...ok, Version: '2008-10-17' }, 'Version', 'must be "2012-10-17"'],
    [{ Version: '2012-10-17' }, 'Statement', 'is required'],
    [{ ...ok, Extra: 1 }, 'Extra', 'unknown field'],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'allow', Action: 's3:GetObject', Resource: '*' }] },
      'Statement.0.Effect',
      'must be "Allow" or "Deny"',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] },
      'Statement.0.Action',
      'is required (or NotAction)',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] },
      'Statement.0.Resource',
      'is required (or NotResource)',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] },
      'Statement.0.Action',
      'is not an action',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 3], Resource: '*' }] },
      'Statement.0.Action.1',
      'must be a string',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'bucket' }] },
      'Statement.0.Resource',
      'is not "*" or an ARN',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }],
      },
      'Statement.0.NotAction',
      'cannot be given together with Action',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
      },
      'Statement.0.Principal',
      'no place in a permissions policy',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Sid: 'a-b', Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      'Statement.0.Sid',
      'letters and digits',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' },
        ],
      },
      'Statement.1.Sid',
      'used by another statement',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringSorta: { 'aws:x': 'y' } } },
        ],
      },
      'Statement.0.Condition.StringSorta',
      'not an IAM condition operator',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: '*',
            Condition: { StringEquals: { 'aws:x': { y: 1 } } },
          },
        ],
      },
      'Statement.0.Condition.StringEquals.aws:x',
      'string, number or boolean',
    ],
  ])('refuses %j at %s', (doc, at, message) => {
    const issues = policyIssues(doc);
    expect(issues.map((i) => i.path.join('.'))).toContain(at);
    expect(issues.find((i) => i.path.join('.') === at)?.message).toContain(message);
  });
});

/** A folder profile `app` declaring identities, with its policy files. */
function profileWith(identities: string, files: Record<string, string>, params = ''): string {
  const dir = path.join(tempDir('gitops-ident-'), 'app');
  writeFiles(dir, { 'profile.yaml': profileYaml('app', `${params}identities:\n${identities}`), ...files });
  return dir;
}

async function resolve(
  dir: string,
  spec?: SpecIdentity[],
  values: Record<string, string> = {},
  addons = ['vpc-cni'],
) {
  const profile = await resolveProfile(dir, { env: process.env });
  const params = resolveParameters(
    profile.profile,
    values,
    builtinsFor('research', 'us-west-2', '123456789012'),
  );
  return resolveIdentities({ layers: profile.profiles, spec, specSource: 'gitops.yaml', params, addons });
}

async function message(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a gitops error, got ${String(e)}`);
  expect(e.exitCode).toBe(2);
  return e.message;
}

const APP_IDENTITY = '  - serviceAccount: apps/reporter\n    inlinePolicies: [policies/read-reports.json]\n';
const READ_REPORTS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadThisClustersReports',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:${partition}:s3:::${bucket}/${cluster}/*',
      Condition: {
        StringEquals: { 's3:ExistingObjectTag/owner': '${aws:PrincipalTag/kubernetes-namespace}' },
      },
    },
  ],
});
const BUCKET_PARAM = 'parameters:\n  - name: bucket\n    default: reports\n';

describe('resolving identities', () => {
  it('fills placeholders in parsed strings and keeps IAM policy variables for IAM', async () => {
    const dir = profileWith(APP_IDENTITY, { 'policies/read-reports.json': READ_REPORTS }, BUCKET_PARAM);
    const [identity] = await resolve(dir);
    expect(identity).toMatchObject({ namespace: 'apps', serviceAccount: 'reporter', managedPolicyArns: [] });
    const doc = JSON.parse(identity!.inlinePolicies[0]!.document);
    expect(identity!.inlinePolicies[0]!.name).toBe('read-reports');
    expect(doc.Statement[0].Resource).toBe('arn:aws:s3:::reports/research/*');
    expect(doc.Statement[0].Condition.StringEquals['s3:ExistingObjectTag/owner']).toBe(
      '${aws:PrincipalTag/kubernetes-namespace}',
    );
  });

  it('the spec overrides an identity by service account and adds its own', async () => {
    const dir = profileWith(APP_IDENTITY, { 'policies/read-reports.json': READ_REPORTS }, BUCKET_PARAM);
    const parsed = clusterSpecSchema.parse({
      name: 'research',
      region: 'us-west-2',
      profile: { source: dir },
      fleet: { url: 'file:///tmp/f.git' },
      identities: [
        {
          serviceAccount: 'apps/reporter',
          managedPolicies: ['arn:${partition}:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        },
        {
          serviceAccount: 'kube-system/aws-node',
          addon: 'vpc-cni',
          managedPolicies: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'],
        },
      ],
    });
    const ids = await resolve(dir, parsed.identities);
    expect(
      ids.map((i) => [
        `${i.namespace}/${i.serviceAccount}`,
        i.addon,
        i.managedPolicyArns,
        i.inlinePolicies.length,
      ]),
    ).toEqual([
      ['apps/reporter', undefined, ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], 0],
      ['kube-system/aws-node', 'vpc-cni', ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'], 0],
    ]);
  });

  it('names the policy file and the JSON path of a bad statement', async () => {
    const bad = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }],
    });
    const dir = profileWith(APP_IDENTITY, { 'policies/read-reports.json': bad });
    expect(await message(resolve(dir))).toMatch(
      /app\/policies\/read-reports\.json: Statement\[0\]\.Action: "GetObject" is not an action/,
    );
  });

  it('names the file and path of an unknown placeholder, and refuses bad JSON', async () => {
    const dir = profileWith(APP_IDENTITY, { 'policies/read-reports.json': READ_REPORTS });
    expect(await message(resolve(dir))).toMatch(
      /app\/policies\/read-reports\.json: Statement\[0\]\.Resource: unknown parameter "\$\{bucket\}"/,
    );
    const broken = profileWith(APP_IDENTITY, { 'policies/read-reports.json': '{"Version": ' });
    expect(await message(resolve(broken))).toMatch(/app\/policies\/read-reports\.json: not valid JSON/);
  });

  it('refuses a missing policy file, an add-on the cluster lacks, and more than IAM holds per role', async () => {
    const missing = profileWith(APP_IDENTITY, {});
    expect(await message(resolve(missing))).toMatch(
      /app\/profile\.yaml: identities\[0\]\.inlinePolicies\[0\]: .*policies\/read-reports\.json does not exist/,
    );
    const ebs = profileWith(
      '  - serviceAccount: kube-system/ebs-csi-controller-sa\n    addon: aws-ebs-csi-driver\n    managedPolicies: [arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy]\n',
      {},
    );
    expect(await message(resolve(ebs))).toMatch(
      /belongs to add-on aws-ebs-csi-driver, which the cluster does not get/,
    );
    const huge = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 200 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::bucket-number-${i}/*`,
      })),
    });
    const big = profileWith(APP_IDENTITY, { 'policies/read-reports.json': huge });
    expect(await message(resolve(big))).toMatch(/IAM allows 10240 per role/);
  });

  it('profile.yaml refuses an identity without policies and a malformed service account', async () => {
    const none = profileWith('  - serviceAccount: apps/reporter\n', {});
    expect(await message(resolve(none))).toMatch(/identities\[0\]: declares no policy/);
    const badSa = profileWith(
      '  - serviceAccount: Apps/Reporter\n    managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n',
      {},
    );
    expect(await message(resolve(badSa))).toMatch(
      /identities\[0\]\.serviceAccount: must be "namespace\/serviceAccount"/,
    );
  });
});
