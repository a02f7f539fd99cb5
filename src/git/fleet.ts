/**
 * Writes a cluster's folder into the fleet repository: one commit that makes `path` hold exactly
 * the given files (nothing else in the repository changes), pushed without force.
 *
 * Each attempt starts from the remote's current tip (a fresh shallow fetch into a temporary
 * folder), replaces the folder, commits only when the tree changed, and pushes. When another
 * writer got in first the push is refused as non-fast-forward; the next attempt rebuilds our
 * commit on top of theirs, which is a rebase whose conflicts are resolved the only sensible way:
 * their changes elsewhere are kept, our folder becomes what we render. Nothing is kept locally
 * between runs, so a failed run leaves nothing to clean up and a re-run starts clean.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { isGitopsError, systemError } from '../core/errors.js';
import { emit, type EventSink, nullSink } from '../core/events.js';
import { checkBranch, checkRepoPath } from './checks.js';
import { authFromEnv, type GitAuth, gitAt, gitFailure, gitReason, redactSecrets } from './exec.js';
import { checkGitUrl, redactUrl } from './url.js';

export interface PublishRequest {
  url: string;
  branch: string;
  /** Folder in the repository (`clusters/research`). */
  path: string;
  /** Relative to `path` -> content. An empty map removes the folder. */
  files: Readonly<Record<string, string>>;
  message: string;
  signal?: AbortSignal;
  sink?: EventSink;
  /** Progress events are attributed to this plan step. */
  stepId?: string;
  auth?: GitAuth;
  /** Attempts when other writers keep getting in first (default 5). */
  maxAttempts?: number;
  /** Test seam: runs after our commit is made and before it is pushed. */
  beforePush?: (attempt: number) => Promise<void>;
}

export interface PublishResult {
  /** The branch tip after the operation (ours when committed). Undefined only for an empty branch left empty. */
  revision: string | undefined;
  committed: boolean;
  attempts: number;
}

const IDENTITY = { name: 'gitops', email: 'gitops@localhost' };

export async function publishFleet(req: PublishRequest): Promise<PublishResult> {
  checkGitUrl(req.url, 'fleet git URL');
  checkBranch(req.branch);
  const folder = checkRepoPath(req.path);
  const files = checkFiles(req.files);
  const auth = req.auth ?? authFromEnv();
  const sink = req.sink ?? nullSink;
  const progress = (message: string) =>
    req.stepId === undefined
      ? emit(sink, { type: 'info', message })
      : emit(sink, { type: 'step-progress', stepId: req.stepId, message });
  const maxAttempts = req.maxAttempts ?? 5;
  const shown = redactUrl(req.url);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-fleet-'));
  try {
    const probe = gitAt({ baseDir: dir, url: req.url, auth, signal: req.signal });
    await run(probe, ['init', '--quiet'], 'preparing a clone of', req);
    const identity = await hasIdentity(probe);
    const git = gitAt({
      baseDir: dir,
      url: req.url,
      auth,
      signal: req.signal,
      ...(identity ? {} : { extraEnv: identityEnv() }),
    });

    for (let attempt = 1; ; attempt++) {
      progress(
        attempt === 1 ? `fetching ${shown} ${req.branch}` : `fetching ${shown} again (attempt ${attempt})`,
      );
      const base = await fetchTip(git, req);
      await checkoutBase(git, base, req);
      await run(git, ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', folder], 'staging', req);
      await rm(path.join(dir, folder), { recursive: true, force: true });
      for (const [rel, content] of files) {
        const target = path.join(dir, folder, rel);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      if (files.length > 0) await run(git, ['add', '--all', '--', folder], 'staging', req);
      const changed = await hasStagedChanges(git);
      if (!changed) {
        progress(`${folder} is already up to date`);
        return { revision: base, committed: false, attempts: attempt };
      }
      // --no-verify: the content is generated; a developer's own pre-commit hooks (linters) must
      // not block or alter it.
      await run(git, ['commit', '--quiet', '--no-verify', '-m', req.message], 'committing to', req);
      const revision = (await run(git, ['rev-parse', 'HEAD'], 'committing to', req)).trim();
      await req.beforePush?.(attempt);
      progress(`pushing ${revision.slice(0, 12)} to ${shown} ${req.branch}`);
      const outcome = await push(git, req, auth);
      if (outcome === 'pushed') return { revision, committed: true, attempts: attempt };
      if (attempt >= maxAttempts) {
        throw systemError(
          'GITOPS_CONFLICT',
          `push to ${shown} ${req.branch} kept losing to other writers (${attempt} attempts)`,
          {
            hint: 'someone is pushing to the same branch continuously; re-run when it is quiet',
          },
        );
      }
      progress(`${req.branch} moved on ${shown}; rebuilding our commit on the new tip`);
      await delay(Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2), req.signal);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Removes a cluster's folder in one commit (destroy); no commit when it is already gone. */
export function removeFleetPath(req: Omit<PublishRequest, 'files'>): Promise<PublishResult> {
  return publishFleet({ ...req, files: {} });
}

function checkFiles(files: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(files)
    .map(([rel, content]): [string, string] => {
      const clean = rel.split('/').filter((p) => p !== '' && p !== '.');
      if (rel.startsWith('/') || clean.length === 0 || clean.includes('..') || clean.includes('.git')) {
        throw systemError('GITOPS_INTERNAL', `refusing to write "${rel}" outside the cluster folder`);
      }
      return [clean.join('/'), content];
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Fetches the branch tip; undefined when the branch does not exist yet (empty repository). */
async function fetchTip(git: SimpleGit, req: PublishRequest): Promise<string | undefined> {
  const heads = await run(
    git,
    ['ls-remote', '--heads', '--', req.url, `refs/heads/${req.branch}`],
    'reading',
    req,
  );
  const tip = heads
    .split('\n')
    .find((l) => l.endsWith(`\trefs/heads/${req.branch}`))
    ?.split('\t')[0];
  if (tip === undefined) return undefined;
  await run(
    git,
    [
      'fetch',
      '--quiet',
      '--depth=1',
      '--no-tags',
      '--',
      req.url,
      `+refs/heads/${req.branch}:refs/gitops/base`,
    ],
    'fetching',
    req,
  );
  // The branch may have moved between ls-remote and fetch; what we fetched is the base.
  return (await run(git, ['rev-parse', 'refs/gitops/base'], 'fetching', req)).trim();
}

async function checkoutBase(git: SimpleGit, base: string | undefined, req: PublishRequest): Promise<void> {
  if (base === undefined) {
    // Empty repository or new branch: an unborn branch with an empty index and work tree, so
    // the commit we make is a root commit holding only our folder.
    await run(git, ['symbolic-ref', 'HEAD', 'refs/heads/gitops-work'], 'preparing', req);
    await run(git, ['update-ref', '-d', 'refs/heads/gitops-work'], 'preparing', req);
    await run(git, ['read-tree', '--empty'], 'preparing', req);
  } else {
    await run(git, ['checkout', '--quiet', '--force', '-B', 'gitops-work', base], 'preparing', req);
  }
  await run(git, ['clean', '-ffdxq'], 'preparing', req);
}

/** Index against HEAD (or against nothing on an unborn branch). */
async function hasStagedChanges(git: SimpleGit): Promise<boolean> {
  const status = await git.raw(['status', '--porcelain', '--untracked-files=no']);
  return status.trim() !== '';
}

type PushOutcome = 'pushed' | 'behind';

async function push(git: SimpleGit, req: PublishRequest, auth: GitAuth | undefined): Promise<PushOutcome> {
  try {
    // No --force, ever: a refused push means someone else's commit is there, and it must stay.
    await git.raw(['push', '--', req.url, `HEAD:refs/heads/${req.branch}`]);
    return 'pushed';
  } catch (e) {
    if (isGitopsError(e)) throw e;
    const text = e instanceof Error ? e.message : String(e);
    if (
      /non-fast-forward|fetch first|\[rejected\]|stale info|cannot lock ref|failed to update ref|reference already exists/i.test(
        text,
      )
    ) {
      return 'behind';
    }
    if (/\[remote rejected\]|hook declined|pre-receive|protected branch/i.test(text)) {
      const reason = redactSecrets(remoteReason(text), auth);
      throw systemError(
        'GITOPS_GIT',
        `push to ${redactUrl(req.url)} ${req.branch} was rejected by the remote: ${reason}`,
        {
          hint: 'check the branch protection and hooks of the fleet repository; nothing was changed there, re-run when fixed',
          cause: new Error(redactSecrets(text, auth)),
        },
      );
    }
    throw gitFailure(e, 'pushing to', req.url, auth);
  }
}

/** The remote's own words (`remote: ...` lines) or the rejection reason in parentheses. */
function remoteReason(text: string): string {
  const remoteLines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^remote:\s*\S/.test(l))
    .map((l) => l.replace(/^remote:\s*/, ''));
  const paren = /\[remote rejected\][^(]*\(([^)]+)\)/.exec(text)?.[1];
  const parts = [...remoteLines.slice(0, 2), ...(paren ? [paren] : [])];
  return parts.length > 0 ? parts.join('; ') : gitReason(text);
}

async function run(git: SimpleGit, args: string[], action: string, req: PublishRequest): Promise<string> {
  try {
    return await git.raw(args);
  } catch (e) {
    throw gitFailure(e, action, req.url, req.auth ?? authFromEnv());
  }
}

async function hasIdentity(git: SimpleGit): Promise<boolean> {
  const email = await git.raw(['config', '--get', 'user.email']).catch(() => '');
  const env = process.env;
  return email.trim() !== '' || (Boolean(env['GIT_AUTHOR_EMAIL']) && Boolean(env['GIT_COMMITTER_EMAIL']));
}

/** Used only when the user has no git identity configured (a bare CI runner). */
function identityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: IDENTITY.name,
    GIT_AUTHOR_EMAIL: IDENTITY.email,
    GIT_COMMITTER_NAME: IDENTITY.name,
    GIT_COMMITTER_EMAIL: IDENTITY.email,
  };
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(systemError('GITOPS_ABORTED', 'interrupted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(systemError('GITOPS_ABORTED', 'interrupted'));
      },
      { once: true },
    );
  });
}
