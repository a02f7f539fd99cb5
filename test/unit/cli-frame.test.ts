import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { hasStackTrace, runCli } from '../support/cli.js';

function expectUsageError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
  expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
}

describe('gitops CLI frame', () => {
  it('prints the package version', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('lists every command in --help', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['bootstrap', 'status', 'diff', 'destroy', 'kubeconfig', 'token', 'profiles']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    }
    const sub = runCli(['profiles', '--help']);
    expect(sub.stdout).toMatch(/list/);
    expect(sub.stdout).toMatch(/show/);
  });

  it('profiles list -o json is a JSON array with name and description, including ml and mobile', () => {
    const r = runCli(['profiles', 'list', '-o', 'json']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as { name: string; description: string }[];
    expect(Array.isArray(items)).toBe(true);
    for (const item of items) {
      expect(typeof item.name).toBe('string');
      expect(item.description.length).toBeGreaterThan(0);
    }
    expect(items.map((i) => i.name)).toEqual(expect.arrayContaining(['ml', 'mobile']));
  });

  it('profiles show ml -o json prints its node groups, GPU group included', () => {
    const r = runCli(['profiles', 'show', 'ml', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      name: string;
      nodeGroups: { name: string; amiType: string; taints: { key: string }[] }[];
    };
    expect(doc.name).toBe('ml');
    expect(doc.nodeGroups.length).toBeGreaterThanOrEqual(2);
    expect(doc.nodeGroups.some((n) => n.taints.some((t) => t.key === 'nvidia.com/gpu'))).toBe(true);
  });

  it('profiles show ml names the S3 bucket it needs and the role limited to it', () => {
    const json = runCli(['profiles', 'show', 'ml', '-o', 'json']);
    const doc = JSON.parse(json.stdout) as {
      buckets: { name: string; variable: string }[];
      identities: { serviceAccount: string; inlinePolicies: string[] }[];
    };
    expect(doc.buckets).toEqual([
      expect.objectContaining({ name: 'mlflow-artifacts', variable: 'mlflowArtifactsBucket' }),
    ]);
    expect(doc.identities).toContainEqual(
      expect.objectContaining({ serviceAccount: 'mlflow/mlflow', inlinePolicies: ['policies/mlflow.json'] }),
    );
    const text = runCli(['profiles', 'show', 'ml']);
    expect(text.stdout).toContain('S3 buckets created for each cluster');
    expect(text.stdout).toContain('mlflow-artifacts (gitops-<cluster>-mlflow-artifacts-<hash>');
  });

  it('profiles show mobile names its generated Secret, the VPC CNI configuration and its README', () => {
    const r = runCli(['profiles', 'show', 'mobile', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      secrets: { namespace: string; name: string; keys: string[] }[];
      addons: { name: string; configuration?: Record<string, unknown> }[];
      readme?: string;
    };
    expect(doc.secrets.map((x) => [x.namespace, x.name, x.keys])).toEqual([
      ['api', 'redis-auth', ['password']],
    ]);
    expect(doc.addons.find((a) => a.name === 'vpc-cni')?.configuration).toEqual({
      enableNetworkPolicy: 'true',
    });
    expect(doc.readme).toMatch(/profiles[\\/]mobile[\\/]README\.md$/);
    const text = runCli(['profiles', 'show', 'mobile']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('api/redis-auth (password)');
    expect(text.stdout).toContain('vpc-cni (latest compatible) configuration {"enableNetworkPolicy":"true"}');
    expect(text.stdout).toMatch(/README: .*mobile.README\.md/);
  });

  it('profiles show nope: exit 2, one line naming it and listing the catalog', () => {
    const r = runCli(['profiles', 'show', 'nope']);
    expectUsageError(r, /unknown profile "nope"/);
    expect(r.stderr).toMatch(/ml/);
    expect(r.stderr).toMatch(/mobile/);
  });

  it('bootstrap with a bad cluster name: exit 2 naming --cluster', () => {
    const r = runCli([
      'bootstrap',
      '--cluster',
      'bad name!',
      '--region',
      'us-west-2',
      '--profile',
      'ml',
      '--git-url',
      'file:///tmp/x',
    ]);
    expectUsageError(r, /--cluster "bad name!"/);
  });

  it('bad region, version and duration each name their flag', () => {
    expectUsageError(runCli(['bootstrap', '--cluster', 'c', '--region', 'mars-1']), /--region "mars-1"/);
    expectUsageError(
      runCli(['bootstrap', '--cluster', 'c', '--kubernetes-version', '1.x']),
      /--kubernetes-version/,
    );
    expectUsageError(runCli(['bootstrap', '--cluster', 'c', '--timeout', 'soon']), /--timeout "soon"/);
  });

  it('an unknown flag exits 2 without a stack trace', () => {
    expectUsageError(runCli(['bootstrap', '--frobnicate']), /unknown option '--frobnicate'/);
    expectUsageError(runCli(['--frobnicate']), /unknown option/);
  });

  it('-o json turns a usage error into a JSON error object on stdout', () => {
    const r = runCli(['-o', 'json', 'profiles', 'show', 'nope']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } };
    expect(doc.error.code).toBe('GITOPS_NOT_FOUND');
    expect(doc.error.message).toMatch(/nope/);
    const parse = runCli(['-o', 'json', 'status', '--bogus']);
    expect(parse.code).toBe(2);
    expect(JSON.parse(parse.stdout).error.message).toMatch(/--bogus/);
  });

  it('bootstrap --config broken.yaml exits 2 with the YAML path of the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-cfg-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'name: research',
        'region: us-west-2',
        'profile: { source: ml }',
        'fleet: { url: "file:///tmp/fleet.git" }',
        'nodeGroups:',
        '  - { name: cpu, instanceTypes: [m6i.large], minSize: 1, desiredSize: 1, maxSize: 2 }',
        '  - { name: gpu, instanceTypes: [], minSize: 0, desiredSize: 0, maxSize: 1 }',
        '',
      ].join('\n'),
    );
    const r = runCli(['bootstrap', '--config', file]);
    expectUsageError(r, /broken\.yaml: nodeGroups\[1\]\.instanceTypes: expected a non-empty list/);
  });
});
