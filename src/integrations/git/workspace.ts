/**
 * A throwaway working copy of one fleet branch: created in a temporary folder, filled from the
 * remote's current tip by a shallow fetch, and deleted afterwards. Nothing survives a run, so a
 * crash or a rejected push never leaves state that the next run must reconcile. Shared by
 * publishing (commit + push) and diffing (what would change).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { checkRepoPath } from './checks.js';
import type { FleetEdit } from './edit.js';
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { checkRelative } from '../../primitives/safe-path.js';
import { authFromEnv, type GitAuth, gitAt, gitFailure } from './exec.js';

export interface Target {
  env: NodeJS.ProcessEnv;
  url: string;
  branch: string;
  auth?: GitAuth | undefined;
  signal?: AbortSignal | undefined;
}

export interface Workspace {
  dir: string;
  git: SimpleGit;
  run(args: string[], action: string): Promise<string>;
  close(): Promise<void>;
}

/** Used only when the user has no git identity configured (a bare CI runner). */
const FALLBACK_IDENTITY = { name: 'gitops', email: 'gitops@localhost' };

export async function openWorkspace(target: Target): Promise<Workspace> {
  const auth = target.auth ?? authFromEnv(target.env);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-fleet-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    const probe = gitAt({ baseDir: dir, env: target.env, url: target.url, auth, signal: target.signal });
    await probe.raw(['init', '--quiet']).catch((e: unknown) => {
      throw gitFailure(e, 'preparing a working copy of', target.url, auth);
    });
    const identity = await hasIdentity(probe, target.env);
    const git = gitAt({
      baseDir: dir,
      env: target.env,
      url: target.url,
      auth,
      signal: target.signal,
      ...(identity ? {} : { extraEnv: identityEnv() }),
    });
    const run = async (args: string[], action: string): Promise<string> => {
      try {
        return await git.raw(args);
      } catch (e) {
        throw gitFailure(e, action, target.url, auth);
      }
    };
    return { dir, git, run, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Checks out the remote tip of the branch (undefined when the branch does not exist yet: an
 * empty repository or a new branch) and returns it.
 */
export async function checkoutTip(ws: Workspace, target: Target): Promise<string | undefined> {
  const heads = await ws.run(
    ['ls-remote', '--heads', '--', target.url, `refs/heads/${target.branch}`],
    'reading',
  );
  const listed = heads.split('\n').find((l) => l.endsWith(`\trefs/heads/${target.branch}`));
  if (listed === undefined) {
    // An unborn branch with an empty index and work tree: our commit becomes a root commit.
    await ws.run(['symbolic-ref', 'HEAD', 'refs/heads/gitops-work'], 'preparing');
    await ws.run(['update-ref', '-d', 'refs/heads/gitops-work'], 'preparing');
    await ws.run(['read-tree', '--empty'], 'preparing');
    await ws.run(['clean', '-ffdxq'], 'preparing');
    return undefined;
  }
  await ws.run(
    [
      'fetch',
      '--quiet',
      '--depth=1',
      '--no-tags',
      '--',
      target.url,
      `+refs/heads/${target.branch}:refs/gitops/base`,
    ],
    'fetching',
  );
  // The branch may have moved between ls-remote and fetch: what was fetched is the base.
  const base = (await ws.run(['rev-parse', 'refs/gitops/base'], 'fetching')).trim();
  await ws.run(['checkout', '--quiet', '--force', '-B', 'gitops-work', base], 'preparing');
  await ws.run(['clean', '-ffdxq'], 'preparing');
  return base;
}

export interface StagedChange {
  /** A added, M modified, D deleted (git's letters). */
  status: string;
  /** Repository path. */
  path: string;
}

/** Stages an edit and returns what differs from HEAD. */
export async function stageEdit(ws: Workspace, edit: FleetEdit): Promise<StagedChange[]> {
  const touched = await writeEdit(ws, edit);
  if (touched.length > 0) await ws.run(['add', '--all', '--', ...touched], 'staging');
  const status = await ws.run(['status', '--porcelain', '--untracked-files=no', '--no-renames'], 'staging');
  return status
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ status: l.slice(0, 1), path: l.slice(3) }));
}

async function hasIdentity(git: SimpleGit, env: NodeJS.ProcessEnv): Promise<boolean> {
  const email = await git.raw(['config', '--get', 'user.email']).catch(() => '');
  return email.trim() !== '' || (Boolean(env['GIT_AUTHOR_EMAIL']) && Boolean(env['GIT_COMMITTER_EMAIL']));
}

function identityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: FALLBACK_IDENTITY.name,
    GIT_AUTHOR_EMAIL: FALLBACK_IDENTITY.email,
    GIT_COMMITTER_NAME: FALLBACK_IDENTITY.name,
    GIT_COMMITTER_EMAIL: FALLBACK_IDENTITY.email,
  };
}

/** Writes an edit into the working copy and stages it; returns the paths it touched. */
async function writeEdit(ws: Workspace, edit: FleetEdit): Promise<string[]> {
  const touched: string[] = [];
  for (const [folder, files] of Object.entries(edit.folders ?? {})) {
    const clean = checkRepoPath(folder);
    await ws.run(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', clean], 'staging');
    await rm(path.join(ws.dir, clean), { recursive: true, force: true });
    const written = checkFiles(files);
    for (const [rel, content] of written) await put(ws.dir, `${clean}/${rel}`, content);
    // A folder emptied is removed from the index above; only what exists can be added.
    if (written.length > 0) touched.push(clean);
  }
  for (const [file, content] of Object.entries(edit.files ?? {})) {
    const clean = checkRepoPath(file);
    await put(ws.dir, clean, content);
    touched.push(clean);
  }
  return touched;
}

/** Checks and sorts a folder's file map; a path leaving the folder is our bug, never written. */
export function checkFiles(files: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(files)
    .map(([rel, content]): [string, string] => [insideFolder(rel), content])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The one safe-path check (empty, absolute, `..`), and never into a `.git` folder. */
function insideFolder(rel: string): string {
  let clean = '';
  try {
    clean = checkRelative(rel, 'cluster folder file');
  } catch (e) {
    if (!isGitopsError(e)) throw e;
  }
  if (clean === '' || clean.split('/').includes('.git')) {
    throw systemError('GITOPS_INTERNAL', `refusing to write "${rel}" outside the cluster folder`);
  }
  return clean;
}

async function put(dir: string, rel: string, content: string): Promise<void> {
  const target = path.join(dir, rel);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
}
