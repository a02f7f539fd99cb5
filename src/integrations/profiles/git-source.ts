/**
 * Fetches a profile repository at one ref into a cache folder, shallowly: a profile needs one
 * tree, not the history. `ls-remote` runs first so the two usual mistakes get their own message:
 * the repository cannot be reached, or it has no such branch/tag.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isGitopsError, userError } from '../../primitives/errors.js';
import { type GitAuth, gitAt, gitFailure, remoteFor } from '../git/exec.js';
import { withDirLock } from './dir-lock.js';
import { redactUrl } from '../git/url.js';

export interface FetchedRepo {
  /** Work tree at the requested ref. */
  dir: string;
  /** Full commit id checked out. */
  revision: string;
}

/** ~/.cache/gitops, or under $XDG_CACHE_HOME. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'gitops');
}

const SHA = /^[0-9a-f]{7,40}$/i;

/**
 * Fetches the repository at `ref` into the cache and runs `use` on the checkout while holding the
 * cache lock, so that another run cannot change the files while they are read.
 */
export async function withProfileRepo<T>(
  rawUrl: string,
  ref: string | undefined,
  opts: { env: NodeJS.ProcessEnv; cacheDir?: string | undefined; signal?: AbortSignal | undefined },
  use: (repo: FetchedRepo) => Promise<T>,
): Promise<T> {
  const { url, auth } = remoteFor(rawUrl, opts.env);
  const key = createHash('sha256')
    .update(`${url}#${ref ?? ''}`)
    .digest('hex')
    .slice(0, 20);
  const root = path.join(opts.cacheDir ?? defaultCacheDir(opts.env), 'profiles');
  const dir = path.join(root, key);
  await mkdir(dir, { recursive: true });
  // One run at a time per cached checkout: another run's checkout must not change the files
  // while this one reads them.
  return withDirLock(
    `${dir}.lock`,
    async () => use(await fetchInto(dir, url, ref, auth, opts.env, opts.signal)),
    {
      signal: opts.signal,
    },
  );
}

async function fetchInto(
  dir: string,
  url: string,
  ref: string | undefined,
  auth: GitAuth | undefined,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<FetchedRepo> {
  const git = gitAt({ baseDir: dir, env, url, auth, signal });
  const shown = redactUrl(url);

  let remoteRefs: string;
  try {
    remoteRefs = await git.raw(['ls-remote', '--', url]);
  } catch (e) {
    const err = gitFailure(e, 'reading profile repository', url, auth);
    if (err.code === 'GITOPS_ABORTED') throw err;
    throw userError(
      'GITOPS_NOT_FOUND',
      `cannot read profile repository ${shown}: ${err.message.split(' failed: ')[1]}`,
      {
        cause: err,
      },
    );
  }
  const wanted = pickRef(remoteRefs, ref);
  if (wanted === undefined) {
    throw userError('GITOPS_NOT_FOUND', `profile repository ${shown} has no branch, tag or commit "${ref}"`);
  }

  try {
    const isRepo = await stat(path.join(dir, '.git')).then(
      () => true,
      () => false,
    );
    if (!isRepo) await git.raw(['init', '--quiet']);
    try {
      await git.raw(['fetch', '--quiet', '--depth=1', '--no-tags', '--', url, wanted]);
    } catch (e) {
      // A commit id that is not a branch tip may not be fetchable shallowly from every server.
      if (!SHA.test(wanted)) throw e;
      await git.raw(['fetch', '--quiet', '--no-tags', '--', url, '+refs/heads/*:refs/gitops/heads/*']);
      await git.raw(['update-ref', 'FETCH_HEAD', await resolveCommit(git.raw.bind(git), wanted, shown)]);
    }
    await git.raw(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD']);
    await git.raw(['clean', '-ffdxq']);
    const revision = (await git.raw(['rev-parse', 'HEAD'])).trim();
    return { dir, revision };
  } catch (e) {
    if (isGitopsError(e)) throw e;
    throw gitFailure(e, `fetching ${ref ?? 'the default branch'} of profile repository`, url, auth);
  }
}

/** The name to fetch for `ref`, or undefined when the remote does not have it. */
function pickRef(lsRemote: string, ref: string | undefined): string | undefined {
  if (ref === undefined) return 'HEAD';
  const names = new Set(
    lsRemote
      .split('\n')
      .map((l) => l.split('\t')[1])
      .filter((n): n is string => n !== undefined),
  );
  if (names.has(`refs/tags/${ref}`)) return `refs/tags/${ref}`;
  if (names.has(`refs/heads/${ref}`)) return `refs/heads/${ref}`;
  if (names.has(ref)) return ref;
  // A commit id cannot be checked against ls-remote (only tips are listed); let fetch decide.
  return SHA.test(ref) ? ref : undefined;
}

async function resolveCommit(
  raw: (args: string[]) => Promise<string>,
  sha: string,
  shown: string,
): Promise<string> {
  try {
    return (await raw(['rev-parse', '--verify', '--quiet', `${sha}^{commit}`])).trim();
  } catch {
    throw userError('GITOPS_NOT_FOUND', `profile repository ${shown} has no commit "${sha}"`);
  }
}
