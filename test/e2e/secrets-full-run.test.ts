// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the test profile's policy uses ${param} placeholders
/**
 * Secret hygiene over a whole life cycle, in a sandbox of its own: bootstrap, a re-run, status
 * and destroy (every one with --verbose, text and JSON), plus failing runs whose errors carry a
 * URL with a token. The secrets are known: an AWS secret key and session token, a Git token (the
 * profile comes from a repository that wants it for every read), the deploy key the run
 * generates for Flux (the fleet repository is reached over ssh), and EKS tokens. None may appear
 * in stdout, stderr, the JSON documents, the fleet repository's every object, or any file under
 * the cache; the kubeconfig holds no token and is 0600.
 *
 * The same run's AWS call log then checks the written IAM policy: every operation the CLI
 * called is allowed, and the policy allows nothing the code never calls. The run covers both
 * compute modes: a second cluster is bootstrapped with --compute auto (EKS Auto Mode), shown by
 * status and destroyed, by the same identity.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolePolicies } from '../../src/integrations/aws/iam.js';
import { listBundledProfiles, resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { kubeClientFromKubeconfig } from '../../src/integrations/kube/client.js';
import type { CallRecord } from '../support/aws-emulator/index.js';
import { repoRoot } from '../support/cli.js';
import { type GitHttpServer, startGitHttpServer } from '../unit/git-http-server.js';
import { allObjects, EKS_TOKEN, filesHolding, found, type Secret } from '../reliability/secret-scan.js';
import {
  calls,
  createFleetRepo,
  gitops,
  hasStackTrace,
  type PrivateSandbox,
  privateSandbox,
  type Run,
  TINY_PROFILE,
} from '../reliability/support.js';
import { iamActionsOf } from '../support/s3-actions.js';

const CLUSTER = 'secrets-run';
const AUTO_CLUSTER = 'secrets-auto';
const suffix = Math.random().toString(36).slice(2, 10);
const AWS = {
  accessKeyId: 'AKIASECRETSRUN000001',
  secretAccessKey: `wJalrSecretsRun/K7MDENG+${suffix}KEY`,
  sessionToken: `FwoGZXIvYXdzEBsaDSecretsRunSessionToken${suffix}xyz`,
  arn: 'arn:aws:iam::123456789012:user/secrets-run',
};
const GIT_TOKEN = `ghp_SecretsRun${suffix}0123456789abcdef`;

let sb: PrivateSandbox;
let profileServer: GitHttpServer;
let work: string;
const runs: { what: string; run: Run }[] = [];
let deployKey = '';
let sshGitRoot = '';

describe('secret hygiene over bootstrap, status and destroy', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gitops-secrets-'));
    // The fleet repository over "ssh": a stand-in for ssh that runs the remote git command here.
    // Set before the sandbox starts, so the Flux stand-in fetches the same way.
    const fakeSsh = join(work, 'fake-ssh');
    sshGitRoot = join(work, 'ssh-root');
    writeFileSync(
      fakeSsh,
      `#!/bin/sh\n# ssh to fleet.test: run the git command git asked for, on ${sshGitRoot}\nfor last; do :; done\nexec sh -c "$(printf '%s' "$last" | sed "s#'/#'${sshGitRoot}/#")"\n`,
    );
    chmodSync(fakeSsh, 0o755);
    process.env['GIT_SSH_COMMAND'] = fakeSsh;
    process.env['GIT_SSH_VARIANT'] = 'ssh';
    sb = await privateSandbox();
    await createFleetRepo({ ...sb, gitRoot: sshGitRoot }, 'secrets');
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(
      knownHosts,
      'fleet.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0YW5kLWluIGhvc3Qga2V5IGZvciB0ZXN0cw\n',
    );

    // The profile, from a repository that wants the Git token for every request.
    const profiles = join(work, 'git');
    execFileSync('git', ['init', '-q', join(work, 'profile-src')]);
    cpSync(TINY_PROFILE, join(work, 'profile-src', 'tiny'), { recursive: true });
    withWorkloadIdentity(join(work, 'profile-src', 'tiny'));
    const g = (...a: string[]) =>
      execFileSync('git', [
        '-C',
        join(work, 'profile-src'),
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@t',
        ...a,
      ]);
    g('add', '.');
    g('commit', '-qm', 'tiny profile');
    execFileSync('git', ['clone', '-q', '--bare', join(work, 'profile-src'), join(profiles, 'profiles.git')]);
    profileServer = await startGitHttpServer(profiles, GIT_TOKEN);
    const profileUrl = `http://x-access-token:${GIT_TOKEN}@${profileServer.base.slice('http://'.length)}/profiles.git//tiny`;

    sb.sandbox.emulator.addIdentity(AWS);
    const env = {
      AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
      AWS_SESSION_TOKEN: AWS.sessionToken,
      GITOPS_SSH_KNOWN_HOSTS: knownHosts,
    };
    const fleetUrl = 'ssh://git@fleet.test/secrets.git';
    // With CI, so the call log holds the OpenID Connect provider and the CI role's calls too.
    const boot = [
      'bootstrap',
      '--profile',
      profileUrl,
      '--cluster',
      CLUSTER,
      '--git-url',
      fleetUrl,
      '--ci-github-repo',
      'acme/app',
      '--yes',
    ];
    const step = async (what: string, args: string[], expected: number[]) => {
      const run = await gitops(sb, args, { env });
      runs.push({ what, run });
      expect(expected, `${what}: exit ${run.code}\n${run.stderr.slice(-3000)}`).toContain(run.code);
    };
    await step('bootstrap --verbose', [...boot, '--verbose', '--timeout', '4m'], [0]);
    const kube = await kubeClientFromKubeconfig({ env: process.env, path: sb.adminKubeconfig });
    try {
      const secret = await kube.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'flux-system',
        namespace: 'flux-system',
      });
      deployKey = Buffer.from(
        String((secret as { data?: { identity?: string } })?.data?.identity ?? ''),
        'base64',
      ).toString();
    } finally {
      kube.close();
    }
    await step('bootstrap -o json --verbose (re-run)', ['-o', 'json', ...boot, '--verbose'], [0]);
    await step('status --verbose', ['status', '--cluster', CLUSTER, '--verbose'], [0]);
    await step('status -o json --verbose', ['-o', 'json', 'status', '--cluster', CLUSTER, '--verbose'], [0]);
    await step(
      'bootstrap with an unreachable profile URL holding the token, --verbose',
      [
        'bootstrap',
        '--profile',
        `http://x-access-token:${GIT_TOKEN}@127.0.0.1:9/p.git//tiny`,
        '--cluster',
        'secrets-fail',
        '--git-url',
        fleetUrl,
        '--yes',
        '--verbose',
      ],
      [1, 2],
    );
    await step(
      'bootstrap -o json with a fleet URL holding the token, unreachable, --verbose',
      [
        '-o',
        'json',
        'bootstrap',
        '--profile',
        TINY_PROFILE,
        '--cluster',
        'secrets-fail',
        '--git-url',
        `http://bot:${GIT_TOKEN}@127.0.0.1:9/fleet.git`,
        '--yes',
        '--verbose',
      ],
      [1],
    );
    await step(
      'destroy --verbose',
      ['destroy', '--cluster', CLUSTER, '--yes', '--verbose', '--timeout', '4m'],
      [0],
    );
    // The other compute mode: its calls (Auto Mode's cluster fields, its node role and policies,
    // the access entry check) are in the same call log for the policy check below.
    const auto = ['--cluster', AUTO_CLUSTER];
    await step(
      'bootstrap --compute auto',
      [
        'bootstrap',
        '--profile',
        profileUrl,
        ...auto,
        '--git-url',
        fleetUrl,
        '--compute',
        'auto',
        '--yes',
        '--timeout',
        '4m',
      ],
      [0],
    );
    await step('status (auto)', ['status', ...auto], [0]);
    await step('destroy (auto)', ['destroy', ...auto, '--yes', '--timeout', '4m'], [0]);
  }, 900_000);

  afterAll(async () => {
    delete process.env['GIT_SSH_COMMAND'];
    delete process.env['GIT_SSH_VARIANT'];
    await profileServer?.close();
    await sb?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const secrets = (): Secret[] => [
    { name: 'AWS secret access key', value: AWS.secretAccessKey },
    { name: 'AWS session token', value: AWS.sessionToken },
    { name: 'Git token', value: GIT_TOKEN },
    {
      name: 'Git token (base64 in a header)',
      value: Buffer.from(`x-access-token:${GIT_TOKEN}`).toString('base64'),
    },
    // The key's longest base64 line: any copy of the private key contains it.
    { name: 'deploy key (private half)', value: longestLine(deployKey) },
    { name: 'EKS token', value: EKS_TOKEN },
  ];

  it('generated a deploy key and kept it in the cluster only', () => {
    expect(deployKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(longestLine(deployKey).length).toBeGreaterThanOrEqual(60);
  });

  it('prints no secret on stdout or stderr, in text or JSON, with --verbose, and no stack trace', () => {
    for (const { what, run } of runs) {
      expect(found(run.stdout, secrets()), `${what}: stdout`).toEqual([]);
      expect(found(run.stderr, secrets()), `${what}: stderr`).toEqual([]);
    }
    const json = runs.filter((r) => r.what.includes('-o json'));
    expect(json.length).toBe(3);
    for (const { run } of json) expect(() => JSON.parse(run.stdout)).not.toThrow();
    // --verbose shows the causes of errors (stacks are allowed there), redacted.
    expect(runs.filter((r) => r.run.code !== 0).length).toBe(2);
    expect(hasStackTrace(runs[0]!.run.stderr)).toBe(false);
  });

  it('leaves no secret in any object of the fleet repository', () => {
    const objects = allObjects(join(sshGitRoot, 'secrets.git'));
    expect(objects.length).toBeGreaterThan(1000);
    expect(found(objects, secrets())).toEqual([]);
  });

  it('leaves no secret in the cache, and the kubeconfig is 0600 without a token', async () => {
    expect(filesHolding(join(sb.dir, 'cache'), secrets())).toEqual([]);
    const kubeconfig = sb.env['KUBECONFIG']!;
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    const text = await readFile(kubeconfig, 'utf8');
    expect(found(text, secrets())).toEqual([]);
    expect(text).toContain('command: gitops');
  });

  it('the written IAM policy allows every AWS operation the run called, and nothing the code never calls', async () => {
    const mine = (await calls(sb)).filter(
      (c: CallRecord) => c.caller === AWS.arn && c.operation !== 'Unknown',
    );
    const used = [...new Set(mine.flatMap((c) => iamActionsOf(`${c.service}:${c.operation}`)))].sort();
    const policy = JSON.parse(
      await readFile(join(repoRoot, 'policy', 'gitops-iam-policy.json'), 'utf8'),
    ) as Policy;
    const allowed = allowedActions(policy);
    expect(used.filter((a) => !allowed.has(a))).toEqual([]);
    // Permissions AWS checks besides the operation itself: passing the roles to EKS, tags written
    // by the create calls (ec2:CreateTags, iam:TagOpenIDConnectProvider for a provider created with
    // tags), EKS's service-linked roles on first use.
    const implied = [
      'iam:PassRole',
      'ec2:CreateTags',
      'iam:TagOpenIDConnectProvider',
      'iam:CreateServiceLinkedRole',
    ];
    const callable = new Set([...adapterOperations(), ...implied]);
    expect([...allowed].filter((a) => !callable.has(a))).toEqual([]);
    expect(used.length).toBeGreaterThan(40);
    // The CI identity's life cycle is in the log: GitHub's provider made and removed, the role's policy.
    expect(used).toEqual(
      expect.arrayContaining([
        'iam:CreateOpenIDConnectProvider',
        'iam:DeleteOpenIDConnectProvider',
        'iam:PutRolePolicy',
        'eks:TagResource',
        // The profile's bucket: created tagged, and emptied and deleted by destroy.
        's3:CreateBucket',
        's3:TagResource',
        's3:ListBucketVersions',
        's3:DeleteBucket',
      ]),
    );
    // Role policies may be attached only if they are the ones the code attaches: the cluster and
    // node roles' own, and on Pod Identity roles the managed policies the bundled profiles declare.
    const attach = policy.Statement.filter((s) => s.Action === 'iam:AttachRolePolicy');
    expect(attach.map((s) => s.Resource)).toEqual([
      'arn:aws:iam::*:role/gitops-*',
      'arn:aws:iam::*:role/gitops/*',
    ]);
    expect(new Set(attach[0]?.Condition?.['ArnEquals']?.['iam:PolicyARN'])).toEqual(
      new Set([
        ...rolePolicies('us-west-2', 'cluster'),
        ...rolePolicies('us-west-2', 'node'),
        ...rolePolicies('us-west-2', 'cluster', 'auto'),
        ...rolePolicies('us-west-2', 'auto-node'),
      ]),
    );
    // Both modes ran: an Auto Mode cluster was created and its node role given its policies.
    const created = mine.filter((c) => c.operation === 'CreateCluster').map((c) => c.params);
    expect(
      created.map((p) => (p as { computeConfig?: { enabled?: boolean } }).computeConfig?.enabled === true),
    ).toEqual([false, true]);
    const attached = mine
      .filter((c) => c.operation === 'AttachRolePolicy')
      .map((c) => (c.params as { PolicyArn?: string }).PolicyArn);
    for (const arn of rolePolicies('us-west-2', 'auto-node')) expect(attached).toContain(arn);
    expect(new Set(attach[1]?.Condition?.['ArnEquals']?.['iam:PolicyARN'])).toEqual(
      await bundledManagedPolicies(),
    );
    // Roles are passed to the service that uses them, and only gitops' own roles are passed.
    const pass = policy.Statement.filter((s) => s.Action === 'iam:PassRole');
    expect(pass.map((s) => [s.Resource, s.Condition?.['StringEquals']?.['iam:PassedToService']])).toEqual([
      ['arn:aws:iam::*:role/gitops-*', 'eks.amazonaws.com'],
      ['arn:aws:iam::*:role/gitops/*', 'pods.eks.amazonaws.com'],
    ]);
    process.stderr.write(
      `iam policy: ${used.length} operations called in bootstrap+status+destroy, ${allowed.size} actions allowed, ${mine.length} calls\n`,
    );
  });
});

interface Policy {
  Statement: {
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

/** One workload identity in the run's profile, so the policy is checked against those calls too. */
function withWorkloadIdentity(dir: string): void {
  const profile = join(dir, 'profile.yaml');
  writeFileSync(
    profile,
    `${readFileSync(profile, 'utf8')}identities:\n  - serviceAccount: web/web\n    managedPolicies:\n      - arn:\${partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy\n    inlinePolicies: [policies/read-app-images.json]\nbuckets:\n  - name: data\n    variable: dataBucket\n`,
  );
  mkdirSync(join(dir, 'policies'));
  const read = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PullTheClustersOwnImages',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: 'arn:${partition}:ecr:${region}:${accountId}:repository/${cluster}/app',
      },
    ],
  };
  writeFileSync(join(dir, 'policies', 'read-app-images.json'), JSON.stringify(read, null, 2));
}

/** Every AWS managed policy a bundled profile gives a workload identity (aws partition). */
async function bundledManagedPolicies(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const { name } of await listBundledProfiles()) {
    const { profile } = await resolveProfile(name, { env: process.env });
    for (const i of profile.identities)
      for (const arn of i.managedPolicies) out.add(arn.replace('${partition}', 'aws'));
  }
  return out;
}

function allowedActions(policy: Policy): Set<string> {
  const out = new Set<string>();
  for (const s of policy.Statement) {
    if (s.Effect !== 'Allow') continue;
    for (const a of Array.isArray(s.Action) ? s.Action : [s.Action]) {
      expect(a, 'no wildcards: every action is named').not.toContain('*');
      out.add(a);
    }
  }
  return out;
}

/**
 * Every AWS operation the adapters can send (`new sdk.<Operation>Command`), as service:Operation:
 * every file in adapters/, named after its service (eks-updates.ts is EKS's, service-quotas.ts
 * Service Quotas').
 */
function adapterOperations(): string[] {
  const dir = join(repoRoot, 'src', 'integrations', 'aws', 'adapters');
  const services: [RegExp, string][] = [
    [/^ec2/, 'ec2'],
    [/^ecr/, 'ecr'],
    [/^eks/, 'eks'],
    [/^iam/, 'iam'],
    [/^sts/, 'sts'],
    [/^service-quotas/, 'servicequotas'],
    [/^s3/, 's3'],
  ];
  const out: string[] = [];
  for (const file of readdirSync(dir)) {
    const service = services.find(([re]) => re.test(file))?.[1];
    if (!service) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/sdk\.([A-Za-z]+)Command\b/g))
      out.push(...iamActionsOf(`${service}:${m[1]}`));
  }
  return out;
}

function longestLine(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .reduce((a, b) => (b.length > a.length ? b : a), '');
}
