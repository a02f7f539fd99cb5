/**
 * `gitops upgrade` as users and CI run it: the built CLI in a process whose environment holds no
 * AWS credentials, region or endpoint at all, against a real fleet repository.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitopsBin, hasStackTrace, repoRoot } from '../support/cli.js';
import { publishRendered, renderFor } from './fleet-helpers.js';
import { bareRepo, cleanupAll, commitCount, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
  NO_COLOR: '1',
  CI: 'true',
};

function gitops(...args: string[]) {
  const r = spawnSync(process.execPath, [gitopsBin, ...args], {
    cwd: repoRoot,
    env: ENV,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function profile(version: string, extra = ''): string {
  const dir = path.join(tempDir('gitops-prof-'), 'team');
  writeFiles(dir, {
    'profile.yaml': profileYaml('team', extra).replace('version: 1.0.0', `version: ${version}`),
    'apps/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
    'apps/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team\n  namespace: default\ndata:\n  version: "${version}"\n`,
  });
  return dir;
}

describe('gitops upgrade (CLI)', () => {
  it('moves a cluster with -o json and no AWS environment, and refuses an AWS change with exit 2 in one line', async () => {
    const repo = bareRepo();
    await publishRendered(await renderFor('research', profile('1.0.0'), repo.url), repo.url);
    const common = ['--cluster', 'research', '--git-url', repo.url];

    const dry = gitops('upgrade', ...common, '--profile', profile('1.1.0'), '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/research\s+team@1\.0\.0\s+team@1\.1\.0\s+would move/);

    const noYes = gitops('upgrade', ...common, '--profile', profile('1.1.0'));
    expect(noYes.code).toBe(2);
    expect(noYes.stderr.trim().split('\n')[0]).toBe(
      'error: upgrade commits to the fleet repo; a non-interactive run needs --yes',
    );

    const count = commitCount(repo);
    const moved = gitops(
      'upgrade',
      ...common,
      '--profile',
      `${profile('1.1.0')}@1.1.0`,
      '--yes',
      '-o',
      'json',
    );
    expect(moved.code, moved.stderr).toBe(0);
    const doc = JSON.parse(moved.stdout);
    expect(doc).toMatchObject({
      ok: true,
      dryRun: false,
      clusters: [
        {
          cluster: 'research',
          from: { name: 'team', version: '1.0.0' },
          to: { name: 'team', version: '1.1.0', folder: 'profiles/team/1.1.0' },
          state: 'moved',
          revision: expect.stringMatching(/^[0-9a-f]{40}$/),
        },
      ],
    });
    const codes = moved.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).code);
    expect(codes).toContain('GITOPS_UPGRADE');
    expect(commitCount(repo)).toBe(count + 1);

    const gpu =
      'nodeGroups:\n  - name: gpu\n    instanceTypes: [g5.xlarge]\n    amiType: AL2023_x86_64_NVIDIA\n    minSize: 0\n    desiredSize: 1\n    maxSize: 2\n';
    const refused = gitops('upgrade', ...common, '--profile', profile('2.0.0', gpu), '--yes');
    expect(refused.code).toBe(2);
    const [line, hint] = refused.stderr.trim().split('\n');
    expect(line).toBe(
      'error: team@1.1.0 -> team@2.0.0 changes what cluster research needs from AWS (node groups): upgrade moves clusters through Git only',
    );
    expect(hint).toMatch(/run gitops bootstrap --cluster research --profile /);
    expect(hasStackTrace(refused.stderr)).toBe(false);
    expect(commitCount(repo)).toBe(count + 1);

    const json = gitops('upgrade', ...common, '--profile', profile('2.0.0', gpu), '--yes', '-o', 'json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('GITOPS_NEEDS_BOOTSTRAP');

    const bad = gitops('upgrade', '--cluster', 'a/b', '--profile', 'team@1.0.0', '--git-url', repo.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/^error: --cluster "a\/b": expected a cluster name/);
  });
});
