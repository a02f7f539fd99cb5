import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import { publishFleet, removeFleetPath } from '../../src/integrations/git/fleet.js';
import { readFleetFile, remoteHead } from '../../src/integrations/git/remote.js';
import { checkFiles } from '../../src/integrations/git/workspace.js';
import {
  bareRepo,
  cleanupAll,
  commitAsOther,
  commitCount,
  git,
  head,
  installHook,
  lsTree,
  removeHook,
  show,
  tempDir,
} from './git-helpers.js';

afterAll(cleanupAll);

const files = {
  'cluster.yaml': 'name: research\n',
  'kustomization.yaml': 'resources:\n  - profile\n',
  'profile/base/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n',
};

function request(url: string, extra: Partial<Parameters<typeof publishFleet>[0]> = {}) {
  return {
    env: process.env,
    url,
    branch: 'main',
    path: 'clusters/research',
    files,
    message: 'gitops: bootstrap research with profile ml@1.0.0',
    ...extra,
  };
}

describe('publishFleet on real bare repositories', () => {
  it('bootstraps into an empty repository: one root commit with exactly our folder', async () => {
    const repo = bareRepo();
    const sink = new RecordingSink();
    const result = await publishFleet(request(repo.url, { sink, stepId: 'fleet:push' }));
    expect(result.committed).toBe(true);
    expect(result.revision).toBe(head(repo));
    expect(commitCount(repo)).toBe(1);
    expect(lsTree(repo)).toEqual([
      'clusters/research/cluster.yaml',
      'clusters/research/kustomization.yaml',
      'clusters/research/profile/base/ns.yaml',
    ]);
    expect(show(repo, 'main:clusters/research/cluster.yaml')).toBe('name: research\n');
    expect(git(repo.dir, 'log', '-1', '--format=%s', 'main').trim()).toBe(
      'gitops: bootstrap research with profile ml@1.0.0',
    );
    expect(sink.ofType('step-progress').every((e) => e.stepId === 'fleet:push')).toBe(true);
  });

  it('replaces only its own folder: other clusters and files are untouched, stale files go', async () => {
    const repo = bareRepo();
    const seed = commitAsOther(
      repo,
      {
        'README.md': '# fleet\n',
        'clusters/other/cluster.yaml': 'name: other\n',
        'clusters/research/stale.yaml': 'old: true\n',
        'clusters/research-two/keep.yaml': 'prefix sibling\n',
      },
      'seed',
    );
    const result = await publishFleet(request(repo.url));
    expect(result.committed).toBe(true);
    expect(git(repo.dir, 'rev-parse', 'main~1').trim()).toBe(seed);
    expect(lsTree(repo)).toEqual([
      'README.md',
      'clusters/other/cluster.yaml',
      'clusters/research-two/keep.yaml',
      'clusters/research/cluster.yaml',
      'clusters/research/kustomization.yaml',
      'clusters/research/profile/base/ns.yaml',
    ]);
    const changed = git(repo.dir, 'diff', '--name-only', seed, 'main').trim().split('\n');
    expect(changed.every((p) => p.startsWith('clusters/research/'))).toBe(true);
    expect(show(repo, 'main:clusters/other/cluster.yaml')).toBe('name: other\n');
  });

  it('makes no commit when re-run with the same files', async () => {
    const repo = bareRepo();
    const first = await publishFleet(request(repo.url));
    const second = await publishFleet(request(repo.url));
    expect(second).toMatchObject({ committed: false, revision: first.revision });
    expect(commitCount(repo)).toBe(1);
  });

  it('rebuilds its commit on top of a concurrent writer: both commits survive, no force push', async () => {
    const repo = bareRepo();
    commitAsOther(repo, { 'README.md': '# fleet\n' }, 'seed');
    let theirs = '';
    const sink = new RecordingSink();
    const result = await publishFleet(
      request(repo.url, {
        sink,
        beforePush: async (attempt) => {
          // Another CI job pushes between our fetch and our push, once.
          if (attempt === 1)
            theirs = commitAsOther(repo, { 'clusters/other/cluster.yaml': 'name: other\n' }, 'other');
        },
      }),
    );
    expect(result).toMatchObject({ committed: true, attempts: 2 });
    expect(head(repo)).toBe(result.revision);
    expect(git(repo.dir, 'rev-parse', 'main~1').trim()).toBe(theirs);
    expect(git(repo.dir, 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'gitops: bootstrap research with profile ml@1.0.0',
      'other',
      'seed',
    ]);
    expect(lsTree(repo)).toContain('clusters/other/cluster.yaml');
    expect(lsTree(repo)).toContain('clusters/research/cluster.yaml');
    expect(sink.ofType('info').some((e) => /moved on/.test(e.message))).toBe(true);
  });

  it('also wins the race when the branch is created by someone else while we push into an empty repo', async () => {
    const repo = bareRepo();
    const result = await publishFleet(
      request(repo.url, {
        beforePush: async (attempt) => {
          if (attempt === 1) commitAsOther(repo, { 'README.md': 'first\n' }, 'first');
        },
      }),
    );
    expect(result.attempts).toBe(2);
    expect(lsTree(repo)).toContain('README.md');
    expect(commitCount(repo)).toBe(2);
  });

  it('gives up after a bounded number of attempts when it keeps losing', async () => {
    const repo = bareRepo();
    commitAsOther(repo, { 'README.md': '0\n' }, 'seed');
    const err = await publishFleet(
      request(repo.url, {
        maxAttempts: 3,
        beforePush: async (attempt) => {
          commitAsOther(repo, { 'README.md': `${attempt}\n` }, `other ${attempt}`);
        },
      }),
    ).catch((e: unknown) => e);
    expect(isGitopsError(err) && err.code).toBe('GITOPS_CONFLICT');
    expect(git(repo.dir, 'log', '--format=%s', 'main').trim().split('\n')[0]).toBe('other 3');
  });

  it('surfaces a push rejected by a hook as one clear line and stays re-runnable', async () => {
    const repo = bareRepo();
    const seed = commitAsOther(repo, { 'README.md': '# fleet\n' }, 'seed');
    installHook(repo, 'pre-receive', 'echo "branch main is protected: open a pull request" >&2\nexit 1');
    const err = await publishFleet(request(repo.url)).catch((e: unknown) => e);
    expect(isGitopsError(err)).toBe(true);
    if (!isGitopsError(err)) return;
    expect(err.code).toBe('GITOPS_GIT');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/^push to file:\/\/\S+ main was rejected by the remote: /);
    expect(err.message).toContain('branch main is protected: open a pull request');
    expect(err.message).not.toContain('\n');
    expect(head(repo)).toBe(seed);

    removeHook(repo, 'pre-receive');
    const again = await publishFleet(request(repo.url));
    expect(again.committed).toBe(true);
    expect(git(repo.dir, 'rev-parse', 'main~1').trim()).toBe(seed);
  });

  it('removes a cluster folder in one commit, and does nothing when it is gone', async () => {
    const repo = bareRepo();
    commitAsOther(repo, { 'clusters/other/cluster.yaml': 'name: other\n' }, 'seed');
    await publishFleet(request(repo.url));
    const removed = await removeFleetPath({
      env: process.env,
      url: repo.url,
      branch: 'main',
      path: 'clusters/research',
      message: 'gitops: destroy research',
    });
    expect(removed.committed).toBe(true);
    expect(lsTree(repo)).toEqual(['clusters/other/cluster.yaml']);
    const again = await removeFleetPath({
      env: process.env,
      url: repo.url,
      branch: 'main',
      path: 'clusters/research',
      message: 'x',
    });
    expect(again.committed).toBe(false);
    expect(commitCount(repo)).toBe(3);
  });

  it('refuses dangerous URLs, branches and paths before git runs', async () => {
    const repo = bareRepo();
    for (const url of [
      'ext::sh -c touch% /tmp/pwned',
      'fd::17',
      '--upload-pack=touch /tmp/pwned',
      'gopher://x/y',
      '',
    ]) {
      const err = await publishFleet(request(url)).catch((e: unknown) => e);
      expect(isGitopsError(err) && err.exitCode).toBe(2);
    }
    for (const branch of ['-f', 'a..b', 'x.lock', '.hidden']) {
      const err = await publishFleet(request(repo.url, { branch })).catch((e: unknown) => e);
      expect(isGitopsError(err) && err.code).toBe('GITOPS_BAD_INPUT');
    }
    for (const p of ['../outside', '/abs', '.git/hooks', '']) {
      const err = await publishFleet(request(repo.url, { path: p })).catch((e: unknown) => e);
      expect(isGitopsError(err) && err.code).toBe('GITOPS_BAD_INPUT');
    }
    expect(head(repo)).toBeUndefined();
  });

  it("never writes a folder's file outside the folder or into .git", () => {
    expect(checkFiles({ 'b.yaml': 'b', './a//x.yaml': 'a' })).toEqual([
      ['a/x.yaml', 'a'],
      ['b.yaml', 'b'],
    ]);
    for (const rel of [
      '/etc/passwd',
      '../other/x.yaml',
      'a/../../x',
      '.git/config',
      'a/.git/hooks/x',
      '',
      '.',
      'C:\\x',
      'a\\..\\..\\x',
    ]) {
      let err: unknown;
      try {
        checkFiles({ [rel]: 'x' });
      } catch (e) {
        err = e;
      }
      expect(isGitopsError(err) && err.message, rel).toBe(
        `refusing to write "${rel}" outside the cluster folder`,
      );
    }
  });

  it('reports an unreachable remote with the URL redacted and no token in the message', async () => {
    const err = await publishFleet(
      request('https://user:s3cr3t-token@127.0.0.1:9/fleet.git', { auth: { token: 'tok-abc123' } }),
    ).catch((e: unknown) => e);
    expect(isGitopsError(err)).toBe(true);
    if (!isGitopsError(err)) return;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('https://127.0.0.1:9/fleet.git');
    expect(JSON.stringify({ m: err.message, c: String(err.cause) })).not.toMatch(/s3cr3t|tok-abc123/);
  });

  it('stops when aborted', async () => {
    const repo = bareRepo();
    const ac = new AbortController();
    ac.abort();
    const err = await publishFleet(request(repo.url, { signal: ac.signal })).catch((e: unknown) => e);
    expect(isGitopsError(err) && err.code).toBe('GITOPS_ABORTED');
  });
});

describe('commits written without a working tree (fast-import)', () => {
  it('keeps file names with spaces, quotes and non-ASCII letters exactly', async () => {
    const repo = bareRepo();
    const odd = {
      'team notes/read me.yaml': 'a: 1\n',
      'quo"te.yaml': 'b: 2\n',
      'überprüfung/ñ.yaml': 'd: 4\n',
    };
    const result = await publishFleet(request(repo.url, { files: odd }));
    expect(result.committed).toBe(true);
    const names = git(repo.dir, '-c', 'core.quotepath=false', 'ls-tree', '-r', '-z', '--name-only', 'main')
      .split('\0')
      .filter((n) => n !== '');
    expect(names.sort()).toEqual(
      Object.keys(odd)
        .map((f) => `clusters/research/${f}`)
        .sort(),
    );
    for (const [f, text] of Object.entries(odd)) {
      expect(git(repo.dir, 'cat-file', 'blob', `main:clusters/research/${f}`)).toBe(text);
    }
    // Re-run with the same odd names: the comparison sees no change and makes no commit.
    const again = await publishFleet(request(repo.url, { files: odd }));
    expect(again.committed).toBe(false);
  });

  it("commits as the user's git identity, and as gitops only where git knows none", async () => {
    const home = tempDir('gitops-home-');
    const bare = { HOME: home, GIT_CONFIG_NOSYSTEM: '1', PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    const repo = bareRepo();
    await publishFleet(request(repo.url, { env: bare }));
    expect(git(repo.dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', 'main').trim()).toBe(
      'gitops <gitops@localhost>|gitops <gitops@localhost>',
    );
    const named = {
      ...bare,
      GIT_AUTHOR_NAME: 'Ada Ops',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'CI Bot',
      GIT_COMMITTER_EMAIL: 'ci@example.com',
    };
    await publishFleet(request(repo.url, { env: named, path: 'clusters/other' }));
    expect(git(repo.dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', 'main').trim()).toBe(
      'Ada Ops <ada@example.com>|CI Bot <ci@example.com>',
    );
  });

  it('runs no commit hook of the user: generated content is neither blocked nor altered', async () => {
    const home = tempDir('gitops-home-');
    const hooks = tempDir('gitops-hooks-');
    const marker = path.join(hooks, 'ran');
    for (const hook of ['pre-commit', 'commit-msg', 'prepare-commit-msg', 'pre-push']) {
      writeFileSync(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> "${marker}"\nexit 1\n`, {
        mode: 0o755,
      });
    }
    writeFileSync(
      path.join(home, '.gitconfig'),
      `[core]\n\thooksPath = ${hooks}\n[user]\n\tname = A\n\temail = a@b\n`,
    );
    const repo = bareRepo();
    const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '1', PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    const result = await publishFleet(request(repo.url, { env }));
    expect(result.committed).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('remote reads', () => {
  it('reads the head revision and one file of a branch', async () => {
    const repo = bareRepo();
    expect(await remoteHead(repo.url, 'main', { env: process.env })).toBeUndefined();
    const { revision } = await publishFleet(request(repo.url));
    expect(await remoteHead(repo.url, 'main', { env: process.env })).toBe(revision);
    expect(
      await readFleetFile(repo.url, 'main', 'clusters/research/cluster.yaml', { env: process.env }),
    ).toBe('name: research\n');
    expect(
      await readFleetFile(repo.url, 'main', 'clusters/nope/cluster.yaml', { env: process.env }),
    ).toBeUndefined();
    expect(await readFleetFile(repo.url, 'main', 'clusters/research', { env: process.env })).toBeUndefined();
    const err = await readFleetFile(repo.url, 'prod', 'clusters/research/cluster.yaml', {
      env: process.env,
    }).catch((e: unknown) => e);
    expect(isGitopsError(err) && err.message).toMatch(/has no branch "prod"/);
  });
});
