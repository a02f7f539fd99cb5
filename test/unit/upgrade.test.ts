/**
 * `gitops upgrade` on real repositories, with an environment holding no AWS credentials and no
 * AWS endpoint: clusters bootstrapped (their fleet write) on one profile version, a second version
 * made beside it (a folder copy, or a tag of a profile repository), then moved through Git alone.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { localClients } from '../../src/usecases/clients.js';
import { runUpgrade, type UpgradeDocument } from '../../src/usecases/upgrade/run.js';
import { RecordingSink } from '../support/recording-sink.js';
import { ACCOUNT, publishRendered, renderFor } from './fleet-helpers.js';
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
import { KUSTOMIZATION, profileYaml, spec, writeFiles } from './profiles-helpers.js';
import { FLUX } from '../support/flux-kinds.js';

afterAll(cleanupAll);

/** The process environment without anything that would let a run reach AWS. */
const NO_AWS = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));

const NODE_GROUP = `nodeGroups:
  - name: gpu
    instanceTypes: [g5.xlarge]
    amiType: AL2023_x86_64_NVIDIA
    minSize: 0
    desiredSize: 1
    maxSize: 2
`;

/** A folder profile `team` at a version: one Deployment whose replicas tell versions apart. */
function teamProfile(version: string, replicas: number, extra = ''): string {
  const dir = path.join(tempDir('gitops-prof-'), 'team');
  writeFiles(dir, {
    'profile.yaml': profileYaml('team', extra).replace('version: 1.0.0', `version: ${version}`),
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

async function upgrade(url: string, clusters: string, profile: string, dryRun = false) {
  const sink = new RecordingSink();
  const doc = await runUpgrade({
    clients: localClients(NO_AWS),
    fleet: { url, branch: 'main' },
    clusters,
    profile,
    sink,
    signal: new AbortController().signal,
    deadline: Date.now() + 120_000,
    dryRun,
  });
  return { doc, sink };
}

async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  return e;
}

function profileVersion(repo: { dir: string }, cluster: string): string {
  const values = parse(show(repo as never, `main:clusters/${cluster}/values.yaml`));
  return values.metadata.annotations['gitops.dev/profile-version'];
}

async function replicas(url: string, cluster: string): Promise<unknown> {
  const dir = tempDir('gitops-co-');
  execFileSync('git', ['clone', '--quiet', url, dir]);
  const desired = await flux.desired(dir, `clusters/${cluster}`);
  const web = desired.objects.find((o) => o.kind === 'Deployment');
  return (web?.['spec'] as { replicas?: number } | undefined)?.replicas;
}

function states(doc: UpgradeDocument) {
  return doc.clusters.map((c) => [c.cluster, `${c.from.version}->${c.to.version}`, c.state]);
}

describe('gitops upgrade', () => {
  it('moves one cluster to a new version in one commit and not the other, then back again', async () => {
    const repo = bareRepo();
    const v1 = teamProfile('1.0.0', 1);
    const v2 = teamProfile('1.1.0', 2);
    await publishRendered(await renderFor('research', v1, repo.url), repo.url);
    await publishRendered(await renderFor('dev', v1, repo.url), repo.url);
    const before = Object.fromEntries(
      lsTree(repo)
        .filter((f) => f.startsWith('clusters/'))
        .map((f) => [f, show(repo, `main:${f}`)]),
    );
    const count = commitCount(repo);

    const dry = await upgrade(repo.url, 'research', v2, true);
    expect(states(dry.doc)).toEqual([['research', '1.0.0->1.1.0', 'would-move']]);
    expect(commitCount(repo)).toBe(count);

    const { doc, sink } = await upgrade(repo.url, 'research', v2);
    expect(doc.ok).toBe(true);
    expect(states(doc)).toEqual([['research', '1.0.0->1.1.0', 'moved']]);
    expect(sink.ofType('info').filter((e) => e.code === 'GITOPS_UPGRADE')).toHaveLength(1);
    expect(commitCount(repo)).toBe(count + 1);
    expect(git(repo.dir, 'log', '-1', '--format=%s', 'main').trim()).toBe(
      'gitops: upgrade research to profile team@1.1.0',
    );
    const changed = git(repo.dir, 'diff', '--name-only', 'main~1', 'main').trim().split('\n');
    expect(changed.filter((f) => !f.startsWith('profiles/team/1.1.0/'))).toEqual([
      'clusters/research/apps/kustomization.yaml',
      'clusters/research/cluster.yaml',
      'clusters/research/values.yaml',
    ]);
    expect(show(repo, 'main:clusters/research/apps/kustomization.yaml')).toBe(
      before['clusters/research/apps/kustomization.yaml']!.replace('team/1.0.0/apps', 'team/1.1.0/apps'),
    );
    expect(parse(show(repo, 'main:clusters/research/cluster.yaml')).profile.source).toBe(v2);
    expect([profileVersion(repo, 'research'), profileVersion(repo, 'dev')]).toEqual(['1.1.0', '1.0.0']);
    // What Flux builds: research runs the new manifest, dev the old one, from the shared copies.
    expect([await replicas(repo.url, 'research'), await replicas(repo.url, 'dev')]).toEqual([2, 1]);
    expect(lsTree(repo)).toEqual(
      expect.arrayContaining(['profiles/team/1.0.0/apps/web.yaml', 'profiles/team/1.1.0/apps/web.yaml']),
    );

    const again = await upgrade(repo.url, 'research', `${v2}@1.1.0`);
    expect(states(again.doc)).toEqual([['research', '1.1.0->1.1.0', 'unchanged']]);
    expect(commitCount(repo)).toBe(count + 1);

    // Back: the same way, and every file of the cluster folders is as it was.
    const back = await upgrade(repo.url, 'research', `${v1}@1.0.0`);
    expect(states(back.doc)).toEqual([['research', '1.1.0->1.0.0', 'moved']]);
    expect(commitCount(repo)).toBe(count + 2);
    for (const [f, text] of Object.entries(before)) expect(show(repo, `main:${f}`), f).toBe(text);
    expect(await replicas(repo.url, 'research')).toBe(1);
  });

  it('finds <name>@<version> as a tag of the git repository the profile comes from, for every cluster a pattern names', async () => {
    const source = tempDir('gitops-profrepo-');
    const work = path.join(source, 'work');
    git(source, 'init', '--quiet', '--initial-branch=main', work);
    cpSync(teamProfile('1.0.0', 1), path.join(work, 'team'), { recursive: true });
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '-m', 'team 1.0.0');
    git(work, 'tag', 'v1.0.0');
    cpSync(teamProfile('1.1.0', 3), path.join(work, 'team'), { recursive: true });
    git(work, 'commit', '--quiet', '-am', 'team 1.1.0');
    git(work, 'tag', 'v1.1.0');
    const ref = `${pathToFileURL(work).href}//team#v1.0.0`;
    const repo = bareRepo();
    for (const c of ['research', 'rome', 'dev'])
      await publishRendered(await renderFor(c, ref, repo.url), repo.url);
    const count = commitCount(repo);

    const { doc } = await upgrade(repo.url, 'r*', 'team@1.1.0');
    expect(states(doc)).toEqual([
      ['research', '1.0.0->1.1.0', 'moved'],
      ['rome', '1.0.0->1.1.0', 'moved'],
    ]);
    expect(commitCount(repo)).toBe(count + 2);
    expect(git(repo.dir, 'log', '-2', '--format=%s', 'main').trim().split('\n').sort()).toEqual([
      'gitops: upgrade research to profile team@1.1.0',
      'gitops: upgrade rome to profile team@1.1.0',
    ]);
    expect(parse(show(repo, 'main:clusters/rome/cluster.yaml')).profile.source).toBe(
      ref.replace('#v1.0.0', '#v1.1.0'),
    );
    expect(profileVersion(repo, 'dev')).toBe('1.0.0');
    expect(await replicas(repo.url, 'rome')).toBe(3);

    const missing = await refusal(upgrade(repo.url, 'dev', 'team@9.9.9'));
    expect(missing.message).toMatch(
      /^--profile team@9\.9\.9: not found where the cluster's profile team comes from/,
    );
    expect(missing.exitCode).toBe(2);
    const none = await refusal(upgrade(repo.url, 'x*', 'team@1.1.0'));
    expect(none.message).toMatch(/^--cluster x\*: no cluster folder under clusters\/ of .* matches$/);
  });

  it("refuses, with nothing pushed, a version that changes the cluster's AWS needs", async () => {
    const repo = bareRepo();
    const v1 = teamProfile('1.0.0', 1);
    await publishRendered(await renderFor('research', v1, repo.url), repo.url);
    const count = commitCount(repo);
    const e = await refusal(upgrade(repo.url, 'research', teamProfile('1.2.0', 1, NODE_GROUP)));
    expect(e.code).toBe('GITOPS_NEEDS_BOOTSTRAP');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      'team@1.0.0 -> team@1.2.0 changes what cluster research needs from AWS (node groups): upgrade moves clusters through Git only',
    );
    expect(e.hint).toMatch(/^run gitops bootstrap --cluster research --profile /);
    expect(commitCount(repo)).toBe(count);
  });

  it('moves an Auto Mode cluster to the +auto build of the version, its node groups as NodePools, and back', async () => {
    const repo = bareRepo();
    const v1 = teamProfile('1.0.0', 1, NODE_GROUP);
    const auto = await renderCluster({
      spec: spec({ name: 'edge', compute: 'auto', profile: { source: v1 }, fleet: { url: repo.url } }),
      profile: await resolveProfile(v1, { env: process.env }),
      accountId: ACCOUNT,
      reconciler: FLUX,
    });
    await publishRendered(auto, repo.url);
    await publishRendered(
      await renderFor('research', teamProfile('1.0.0', 1, NODE_GROUP), repo.url),
      repo.url,
    );
    const count = commitCount(repo);
    expect(profileVersion(repo, 'edge')).toBe('1.0.0+auto');

    // A bigger GPU pool: AWS work for a node-group cluster, Git only for an Auto Mode one.
    const v2 = teamProfile('1.1.0', 2, NODE_GROUP.replace('maxSize: 2', 'maxSize: 4'));
    const { doc } = await upgrade(repo.url, 'edge', v2);
    expect(states(doc)).toEqual([['edge', '1.0.0+auto->1.1.0+auto', 'moved']]);
    expect(commitCount(repo)).toBe(count + 1);
    expect(profileVersion(repo, 'edge')).toBe('1.1.0+auto');
    expect(await replicas(repo.url, 'edge')).toBe(2);
    const pool = parse(show(repo, 'main:profiles/team/1.1.0+auto/controllers/eks-auto-mode.yaml'));
    expect(pool).toMatchObject({ kind: 'NodePool', metadata: { name: 'gitops-gpu' } });
    expect(lsTree(repo).some((f) => f.startsWith('profiles/team/1.1.0/'))).toBe(false);
    const refused = await refusal(upgrade(repo.url, 'research', v2));
    expect(refused.code).toBe('GITOPS_NEEDS_BOOTSTRAP');

    const back = await upgrade(repo.url, 'edge', `${v1}@1.0.0`);
    expect(states(back.doc)).toEqual([['edge', '1.1.0+auto->1.0.0+auto', 'moved']]);
    expect(await replicas(repo.url, 'edge')).toBe(1);
  });

  it('judges a version recorded by an earlier gitops by reading its profile again, and refuses when it cannot', async () => {
    const repo = bareRepo();
    const v1 = teamProfile('1.0.0', 1);
    await publishRendered(await renderFor('research', v1, repo.url), repo.url);
    const record = show(repo, 'main:profiles/team/1.0.0/source.yaml');
    const earlier = record.replace(/^awsNeeds:\n(?: {2}.*\n)+/m, '');
    expect(earlier).not.toContain('awsNeeds');
    commitAsOther(repo, { 'profiles/team/1.0.0/source.yaml': earlier }, 'a record of an earlier gitops');

    // The folder still holds 1.0.0 with the recorded digest: its needs are read from it.
    const v2 = teamProfile('1.1.0', 2);
    const dry = await upgrade(repo.url, 'research', v2, true);
    expect(states(dry.doc)).toEqual([['research', '1.0.0->1.1.0', 'would-move']]);

    // Changed in place (another version, so another digest): what 1.0.0 needed is unknown.
    const file = path.join(v1, 'profile.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('version: 1.0.0', 'version: 1.0.1'));
    const e = await refusal(upgrade(repo.url, 'research', v2));
    expect(e.code).toBe('GITOPS_NEEDS_BOOTSTRAP');
    expect(e.message).toMatch(/^cannot tell what team 1\.0\.0 needed from AWS/);
    rmSync(v1, { recursive: true, force: true });
    expect((await refusal(upgrade(repo.url, 'research', v2))).code).toBe('GITOPS_NEEDS_BOOTSTRAP');
  });
});
