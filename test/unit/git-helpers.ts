/**
 * Real git in temporary folders for the git tests: bare repositories served over file:// and
 * a second writer working through its own clone. Not a test file itself (no `.test.` in the name).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ID = [
  '-c',
  'user.name=Other Writer',
  '-c',
  'user.email=other@example.com',
  '-c',
  'commit.gpgsign=false',
];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...ID, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface BareRepo {
  dir: string;
  url: string;
  cleanup(): void;
}

const roots: string[] = [];

export function tempDir(prefix = 'gitops-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(d);
  return d;
}

export function cleanupAll(): void {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function bareRepo(): BareRepo {
  const root = tempDir('gitops-bare-');
  const dir = path.join(root, 'fleet.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  return { dir, url: pathToFileURL(dir).href, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Commits `files` (path -> content, null deletes) to `branch` of the bare repo as another writer. */
export function commitAsOther(
  repo: BareRepo,
  files: Record<string, string | null>,
  message: string,
  branch = 'main',
): string {
  const work = tempDir('gitops-other-');
  git(work, 'init', '--quiet', `--initial-branch=${branch}`);
  const hasBranch = git(repo.dir, 'for-each-ref', `refs/heads/${branch}`).trim() !== '';
  if (hasBranch) {
    git(work, 'fetch', '--quiet', repo.url, `refs/heads/${branch}`);
    git(work, 'checkout', '--quiet', '-B', branch, 'FETCH_HEAD');
  }
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(work, rel);
    if (content === null) rmSync(p, { force: true });
    else {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  }
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', message);
  git(work, 'push', '--quiet', repo.url, `HEAD:refs/heads/${branch}`);
  return git(work, 'rev-parse', 'HEAD').trim();
}

export function head(repo: BareRepo, branch = 'main'): string | undefined {
  try {
    return git(repo.dir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
  } catch {
    return undefined;
  }
}

export function show(repo: BareRepo, spec: string): string {
  return git(repo.dir, 'show', spec);
}

export function lsTree(repo: BareRepo, rev = 'main'): string[] {
  return git(repo.dir, 'ls-tree', '-r', '--name-only', rev).trim().split('\n').filter(Boolean);
}

export function commitCount(repo: BareRepo, rev = 'main'): number {
  return Number(git(repo.dir, 'rev-list', '--count', rev).trim());
}

export function installHook(repo: BareRepo, name: string, script: string): void {
  const p = path.join(repo.dir, 'hooks', name);
  writeFileSync(p, `#!/bin/sh\n${script}\n`);
  chmodSync(p, 0o755);
}

export function removeHook(repo: BareRepo, name: string): void {
  rmSync(path.join(repo.dir, 'hooks', name), { force: true });
}
