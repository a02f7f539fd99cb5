// Requests are checked against botocore's models of the services, and refused in each service's own
// error shape. The real SDK clients send what their types allow; raw signed requests send the rest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateNodegroupCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { javaToJs, patternMatcher } from '../support/aws-emulator/model-pattern.js';
import { formCall, rawCall } from '../support/aws-emulator/raw-request.js';
import { clientConfig, createEksPrerequisites, trustPolicy } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let iam: IAMClient;
let eks: EKSClient;
let ecr: ECRClient;
let ec2: EC2Client;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  const cfg = { ...clientConfig(emu), maxAttempts: 1 };
  iam = new IAMClient(cfg);
  eks = new EKSClient(cfg);
  ecr = new ECRClient(cfg);
  ec2 = new EC2Client(cfg);
});
afterAll(async () => {
  for (const c of [iam, eks, ecr, ec2]) c.destroy();
  await emu.stop();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
  );
const xmlCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const xmlMessage = (text: string) => /<Message>([^<]+)<\/Message>/.exec(text)?.[1]?.replaceAll('&apos;', "'");

describe('IAM and STS answer ValidationError with every violation listed', () => {
  it('names the member, the value and the constraint', async () => {
    const e = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'has space',
          AssumeRolePolicyDocument: trustPolicy('eks.amazonaws.com'),
        }),
      ),
    );
    expect(e?.name).toBe('ValidationError');
    expect(e?.message).toBe(
      "1 validation error detected: Value 'has space' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('counts several violations and joins them with "; "', async () => {
    const e = await failure(
      iam.send(new CreateRoleCommand({ RoleName: `${'r'.repeat(64)}!`, AssumeRolePolicyDocument: '' })),
    );
    expect(e?.message).toMatch(/^4 validation errors detected: /);
    expect(e?.message).toContain(
      "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
    expect(e?.message).toContain(
      "at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('paths into lists as <list>.N.member.<field>, and a missing member is "Value null"', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'tagged',
        AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com'),
      }),
    );
    const e = await failure(
      iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'ok', Value: 'a|b' }] })),
    );
    expect(e?.message).toContain(
      "Value 'a|b' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    const raw = await formCall(emu, 'iam', 'GetRole', {});
    expect(raw.status).toBe(400);
    expect(xmlCode(raw.text)).toBe('ValidationError');
    expect(xmlMessage(raw.text)).toBe(
      "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('EKS answers InvalidParameterException (rest-json: URI, query string and body)', () => {
  it('checks query-string members (ListClusters maxResults 1..100)', async () => {
    const e = await failure(eks.send(new ListClustersCommand({ maxResults: 0 })));
    expect(e?.name).toBe('InvalidParameterException');
    expect(e?.message).toContain(
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('checks map keys and values, nested structures and map sizes in the body', async () => {
    const pre = await createEksPrerequisites(emu, 'mv');
    const e = await failure(
      eks.send(
        new CreateNodegroupCommand({
          clusterName: 'none',
          nodegroupName: 'ng',
          nodeRole: pre.nodeRoleArn,
          subnets: pre.subnetIds,
          scalingConfig: { minSize: 0, maxSize: 0, desiredSize: 0 },
          labels: { ['k'.repeat(70)]: 'v', empty: '' },
          tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'x'])),
        }),
      ),
    );
    expect(e?.name).toBe('InvalidParameterException');
    expect(e?.$metadata?.httpStatusCode).toBe(400);
    expect(e?.message).toMatch(/^4 validation errors detected: /);
    expect(e?.message).toContain(
      "at 'scalingConfig.maxSize' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(e?.message).toContain(
      "at 'labels' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 63, Member must have length greater than or equal to 1]",
    );
    expect(e?.message).toContain(
      "at 'labels' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 63, Member must have length greater than or equal to 1]",
    );
    expect(e?.message).toContain(
      "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  });

  it('a body member of the wrong JSON type is a SerializationException', async () => {
    const raw = await rawCall(emu, {
      service: 'eks',
      path: '/clusters/c/node-groups',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        nodegroupName: 'ng',
        nodeRole: 'r',
        subnets: ['s'],
        scalingConfig: { maxSize: '5' },
      }),
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-errortype')).toBe('SerializationException');
    expect(JSON.parse(raw.text).message).toContain("'scalingConfig.maxSize'");
  });
});

describe('ECR answers InvalidParameterException "Invalid parameter at ..." (json-1.1)', () => {
  it('reports the first violation in ECR’s words', async () => {
    const e = await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: 'a' })));
    expect(e?.name).toBe('InvalidParameterException');
    expect(e?.message).toBe(
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'",
    );
    const upper = await failure(ecr.send(new CreateRepositoryCommand({ repositoryName: 'Team/App' })));
    expect(upper?.message).toMatch(
      /^Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '/,
    );
    const max = await failure(ecr.send(new DescribeRepositoriesCommand({ maxResults: 1001 })));
    expect(max?.message).toContain("'must have value less than or equal to 1000'");
  });
});

describe('EC2 answers MissingParameter / InvalidParameterValue (ec2 query protocol)', () => {
  it('a missing required member is MissingParameter naming its wire key', async () => {
    const raw = await formCall(emu, 'ec2', 'CreateSubnet', { CidrBlock: '10.0.0.0/24' });
    expect(xmlCode(raw.text)).toBe('MissingParameter');
    expect(xmlMessage(raw.text)).toBe('The request must contain the parameter VpcId');
  });

  it('a value that is not of the modelled type or enum is InvalidParameterValue', async () => {
    const raw = await formCall(emu, 'ec2', 'DescribeVpcs', { MaxResults: 'many' });
    expect(xmlCode(raw.text)).toBe('InvalidParameterValue');
    expect(xmlMessage(raw.text)).toBe('Value (many) for parameter maxResults is invalid. must be an integer');
    const e = await failure(
      ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16', InstanceTenancy: 'shared' as 'default' })),
    );
    expect(e?.name).toBe('InvalidParameterValue');
    expect(e?.message).toContain('Valid values are: default, dedicated, host');
    await expect(ec2.send(new DescribeVpcsCommand({}))).resolves.toBeDefined();
  });

  it('55 tags: the model sets no limit, EC2 does (TagLimitExceeded), on CreateTags and at create', async () => {
    const tags = Array.from({ length: 55 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
    const onTag = await failure(
      ec2.send(new CreateTagsCommand({ Resources: [vpc.Vpc!.VpcId!], Tags: tags })),
    );
    expect(onTag?.name).toBe('TagLimitExceeded');
    const atCreate = await failure(
      ec2.send(
        new CreateVpcCommand({
          CidrBlock: '10.3.0.0/16',
          TagSpecifications: [{ ResourceType: 'vpc', Tags: tags }],
        }),
      ),
    );
    expect(atCreate?.name).toBe('TagLimitExceeded');
  });
});

describe('Java patterns become JavaScript ones', () => {
  it('drops escapes JavaScript refuses and keeps a hyphen after a range literal', () => {
    expect(javaToJs('[\\w+=,.@\\:-]*')).toBe('[\\w+=,.@:\\-]*');
    expect(javaToJs('[a-zA-Z0-9-:]+')).toBe('[a-zA-Z0-9\\-:]+');
    expect(patternMatcher('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*')?.test('Grüße an alle')).toBe(true);
    // Whole-value match, as AWS's Matcher.matches().
    expect(patternMatcher('[a-z]+')?.test('abc1')).toBe(false);
    expect(patternMatcher('a*+')).toBeNull();
  });
});

describe('without AWS’s models the emulator does not start', () => {
  it('exits 1 with one line naming what is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-botocore-'));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/support/aws-emulator/main.ts', '--port', '0'],
      {
        env: { ...process.env, GITOPS_BOTOCORE_DATA: empty },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^aws-emulator: no service-2\.json\.gz for eks, ec2, iam, ecr, sts, service-quotas, s3 under /,
    );
  });
});
