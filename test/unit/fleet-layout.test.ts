/**
 * The fleet layout on a real repository: a profile version is written once and shared, a
 * cluster's folder stays small, the team's overlay edits survive a re-run and are what Flux
 * builds, a version move rewrites only gitops's entries, and what must not happen is refused
 * before anything is pushed (other content under a written version, the layout before layers).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { publishRendered, renderFor } from './fleet-helpers.js';
import {
  bareRepo,
  cleanupAll,
  commitAsOther,
  commitCount,
  git,
  lsTree,
  show,
  tempDir,
} from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, writeFiles } from './profiles-helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';

afterAll(cleanupAll);

function checkout(url: string): string {
  const dir = tempDir('gitops-co-');
  execFileSync('git', ['clone', '--quiet', url, dir]);
  return dir;
}

async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  return e;
}

/** A folder profile `team` at a version, with one Deployment in its apps layer. */
function teamProfile(version: string, replicas = 1): string {
  const dir = path.join(tempDir('gitops-prof-'), 'team');
  writeFiles(dir, {
    'profile.yaml': profileYaml('team').replace('version: 1.0.0', `version: ${version}`),
    'apps/kustomization.yaml': KUSTOMIZATION('web.yaml'),
    'apps/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env: [{ name: CLUSTER, value: "\${cluster}" }]
`,
  });
  return dir;
}

describe('the fleet layout', () => {
  it('writes a profile version once: two clusters on ml share one copy, each adds only its own folder', async () => {
    const repo = bareRepo();
    await publishRendered(await renderFor('research', 'ml', repo.url), repo.url);
    const first = lsTree(repo);
    await publishRendered(await renderFor('dev', 'ml', repo.url), repo.url);
    const added = git(repo.dir, 'diff', '--name-only', 'main~1', 'main').trim().split('\n');
    expect(added.every((f) => f.startsWith('clusters/dev/'))).toBe(true);
    const shared = lsTree(repo).filter((f) => f.startsWith('profiles/'));
    expect(shared).toEqual(first.filter((f) => f.startsWith('profiles/')));
    expect([...new Set(shared.map((f) => f.split('/').slice(0, 3).join('/')))]).toEqual([
      `profiles/base/${bundledVersion('base')}`,
      `profiles/ml/${bundledVersion('ml')}`,
    ]);
    expect(lsTree(repo).filter((f) => f.startsWith('clusters/dev/') && !f.includes('/flux-system/'))).toEqual(
      [
        'clusters/dev/apps/kustomization.yaml',
        'clusters/dev/cluster.yaml',
        'clusters/dev/configs/kustomization.yaml',
        'clusters/dev/controllers/kustomization.yaml',
        'clusters/dev/kustomization.yaml',
        'clusters/dev/layers.yaml',
        'clusters/dev/values.yaml',
      ],
    );
  });

  it('adds at most 20 KB per cluster on an existing version (flux-system/ aside)', async () => {
    for (const profile of ['ml', 'mobile']) {
      const repo = bareRepo();
      const params: Record<string, string> =
        profile === 'mobile' ? { hostedZoneId: 'Z0000000000EXAMPLE' } : {};
      await publishRendered(await renderFor('c1', profile, repo.url, params), repo.url);
      await publishRendered(await renderFor('c2', profile, repo.url, params), repo.url);
      const bytes = lsTree(repo)
        .filter((f) => f.startsWith('clusters/c2/') && !f.startsWith('clusters/c2/flux-system/'))
        .reduce((n, f) => n + Buffer.byteLength(show(repo, `main:${f}`)), 0);
      expect(bytes, profile).toBeLessThanOrEqual(20 * 1024);
    }
  });

  it("keeps a team's overlay edit on a re-run, and Flux builds it", async () => {
    const repo = bareRepo();
    const profile = teamProfile('1.0.0');
    await publishRendered(await renderFor('research', profile, repo.url), repo.url);
    const overlay = show(repo, 'main:clusters/research/apps/kustomization.yaml');
    const edited = `${overlay}patches:\n  - path: web-replicas.yaml # three for research\n`;
    commitAsOther(
      repo,
      {
        'clusters/research/apps/kustomization.yaml': edited,
        'clusters/research/apps/web-replicas.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 3\n',
      },
      'research: three web replicas',
    );
    const again = await publishRendered(await renderFor('research', profile, repo.url), repo.url);
    expect(again.committed).toBe(false);
    expect(show(repo, 'main:clusters/research/apps/kustomization.yaml')).toBe(edited);
    const desired = await flux.desired(checkout(repo.url), 'clusters/research');
    // Each object once: the root sync, among what the root applies, is not built a second time.
    const ids = desired.objects.map(
      (o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace}/${o.metadata.name}`,
    );
    expect(new Set(ids).size).toBe(ids.length);
    const web = desired.objects.find((o) => o.kind === 'Deployment')!;
    expect(web.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('apps');
    expect(web['spec']).toMatchObject({
      replicas: 3,
      template: { spec: { containers: [{ env: [{ name: 'CLUSTER', value: 'research' }] }] } },
    });
  });

  it('moves a cluster to a new version by rewriting only its own entries of the overlay', async () => {
    const repo = bareRepo();
    await publishRendered(await renderFor('research', teamProfile('1.0.0'), repo.url), repo.url);
    const overlay = show(repo, 'main:clusters/research/apps/kustomization.yaml');
    const teamLine = '  - extra.yaml # ours\n';
    commitAsOther(
      repo,
      {
        'clusters/research/apps/kustomization.yaml': `# research apps\n${overlay}${teamLine}`,
        'clusters/research/apps/extra.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: default\n',
      },
      'team resource',
    );
    const result = await publishRendered(
      await renderFor('research', teamProfile('1.1.0', 2), repo.url),
      repo.url,
    );
    expect(result.committed).toBe(true);
    expect(show(repo, 'main:clusters/research/apps/kustomization.yaml')).toBe(
      `# research apps\n${overlay.replace('team/1.0.0/apps', 'team/1.1.0/apps')}${teamLine}`,
    );
    // The old version stays for the clusters still on it.
    expect(lsTree(repo)).toEqual(
      expect.arrayContaining(['profiles/team/1.0.0/apps/web.yaml', 'profiles/team/1.1.0/apps/web.yaml']),
    );
  });

  it('leaves an overlay it cannot edit safely, with a warning naming it', async () => {
    const repo = bareRepo();
    await publishRendered(await renderFor('research', teamProfile('1.0.0'), repo.url), repo.url);
    const picked =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../profiles/team/1.0.0/apps/web.yaml\n';
    commitAsOther(repo, { 'clusters/research/apps/kustomization.yaml': picked }, 'only web');
    const result = await publishRendered(
      await renderFor('research', teamProfile('1.1.0'), repo.url),
      repo.url,
    );
    expect(show(repo, 'main:clusters/research/apps/kustomization.yaml')).toBe(picked);
    expect(result.edit.warnings).toEqual([
      {
        code: 'GITOPS_TEAM_FILE_KEPT',
        message: expect.stringMatching(
          /^clusters\/research\/apps\/kustomization\.yaml was left as it is, so it may not point at team 1\.1\.0: its entry .* points into profiles\/ but not at a whole apps folder$/,
        ),
      },
    ]);
  });

  it('refuses other content under a version already written, and restores hand edits of a shared copy', async () => {
    const repo = bareRepo();
    const one = teamProfile('1.0.0');
    await publishRendered(await renderFor('research', one, repo.url), repo.url);
    const e = await refusal(
      publishRendered(await renderFor('dev', teamProfile('1.0.0', 5), repo.url), repo.url),
    );
    expect(e.message).toMatch(
      /^profiles\/team\/1\.0\.0 in the fleet repository holds other content \(sha256:[0-9a-f]+\) than profile team 1\.0\.0 has now/,
    );
    expect(e.hint).toMatch(/give the changed profile a new version/);
    expect(e.exitCode).toBe(2);
    const web = show(repo, 'main:profiles/team/1.0.0/apps/web.yaml');
    commitAsOther(
      repo,
      { 'profiles/team/1.0.0/apps/web.yaml': web.replace('replicas: 1', 'replicas: 9') },
      'edit shared',
    );
    const count = commitCount(repo);
    const result = await publishRendered(await renderFor('dev', one, repo.url), repo.url);
    expect(commitCount(repo)).toBe(count + 1);
    expect(show(repo, 'main:profiles/team/1.0.0/apps/web.yaml')).toBe(web);
    expect(result.edit.warnings?.map((w) => w.code)).toEqual(['GITOPS_SHARED_RESTORED']);
  });

  it('refuses a cluster folder of the layout before layers, pointing at gitops migrate', async () => {
    const repo = bareRepo();
    commitAsOther(
      repo,
      {
        'clusters/research/profile/source.yaml': 'kind: ProfileSource\nname: ml\n',
        'clusters/research/kustomization.yaml': KUSTOMIZATION('flux-system', 'profile'),
      },
      'old layout',
    );
    const e = await refusal(publishRendered(await renderFor('research', 'ml', repo.url), repo.url));
    expect(e.message).toBe(
      'clusters/research is in the fleet layout of an earlier gitops (a full profile copy in clusters/research/profile/); convert it first, keeping your edits: gitops migrate --cluster research',
    );
    expect(e.exitCode).toBe(2);
  });
});
