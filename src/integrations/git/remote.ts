/**
 * Read-only questions to a fleet repository: its head revision (status), and one file at the
 * branch head (`bootstrap --from-git` reads `clusters/<name>/cluster.yaml`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isGitopsError, userError } from '../../primitives/errors.js';
import { checkBranch, checkRepoPath } from './checks.js';
import { type GitAuth, gitAt, gitFailure, remoteFor } from './exec.js';
import { checkGitUrl, redactUrl } from './url.js';

export interface RemoteOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  auth?: GitAuth | undefined;
}

/** The commit at the tip of `branch`, or undefined when the branch (or the whole repo) is empty. */
export async function remoteHead(
  rawUrl: string,
  branch: string,
  opts: RemoteOptions,
): Promise<string | undefined> {
  checkGitUrl(rawUrl, 'fleet git URL');
  checkBranch(branch);
  const { url, auth } = remoteFor(rawUrl, opts.env, opts.auth);
  const git = gitAt({ baseDir: os.tmpdir(), env: opts.env, url, auth, signal: opts.signal });
  let out: string;
  try {
    out = await git.raw(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`]);
  } catch (e) {
    throw gitFailure(e, 'reading', url, auth);
  }
  const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line?.split('\t')[0];
}

/** Text of `file` (a repository path) at the head of `branch`, or undefined when it is absent. */
export async function readFleetFile(
  rawUrl: string,
  branch: string,
  file: string,
  opts: RemoteOptions,
): Promise<string | undefined> {
  const clean = checkRepoPath(file);
  const read = await readFleetFiles(rawUrl, branch, (listed) => listed.filter((p) => p === clean), opts);
  if (read === undefined) {
    const { url } = remoteFor(rawUrl, opts.env, opts.auth);
    throw userError('GITOPS_NOT_FOUND', `fleet repository ${redactUrl(url)} has no branch "${branch}"`);
  }
  return read.get(clean);
}

/**
 * Texts of several files at the head of `branch`, with one fetch: `select` picks them from the
 * paths of every file there; path -> text. Undefined when the branch does not exist (an empty
 * repository).
 */
export async function readFleetFiles(
  rawUrl: string,
  branch: string,
  select: (paths: readonly string[]) => readonly string[],
  opts: RemoteOptions,
): Promise<Map<string, string> | undefined> {
  checkGitUrl(rawUrl, 'fleet git URL');
  const { url, auth } = remoteFor(rawUrl, opts.env, opts.auth);
  const head = await remoteHead(url, branch, auth === undefined ? opts : { ...opts, auth });
  if (head === undefined) return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-read-'));
  const out = new Map<string, string>();
  try {
    const git = gitAt({ baseDir: dir, env: opts.env, url, auth, signal: opts.signal });
    await git.raw(['init', '--quiet']);
    await git.raw(['fetch', '--quiet', '--depth=1', '--no-tags', '--', url, `refs/heads/${branch}`]);
    // `<mode> <type> <id>\t<path>` per entry: only files (blobs) count.
    const blobs = (await git.raw(['ls-tree', '-r', '-z', 'FETCH_HEAD']))
      .split('\0')
      .filter((l) => l.split(' ')[1] === 'blob')
      .map((l) => l.slice(l.indexOf('\t') + 1));
    const present = new Set(blobs);
    for (const file of select(blobs)) {
      if (present.has(file)) out.set(file, await git.raw(['show', `FETCH_HEAD:${file}`]));
    }
    return out;
  } catch (e) {
    if (isGitopsError(e)) throw e;
    throw gitFailure(e, 'reading', url, auth);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
