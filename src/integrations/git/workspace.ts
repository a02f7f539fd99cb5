/**
 * A throwaway repository for one fleet branch: a bare repository in a temporary folder, filled
 * from the remote's current tip by a shallow fetch, and deleted afterwards. Nothing survives a
 * run, so a crash or a rejected push never leaves state that the next run must reconcile. Shared
 * by publishing (commit + push) and diffing (what would change).
 *
 * There is no working tree: the tip's files are read straight from its objects, and a commit is
 * written by fast-import from the tip plus the edit. Its cost follows the edit, not the size of the
 * fleet, which is what keeps ten bootstraps racing into one repository cheap to retry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { checkRepoPath } from './checks.js';
import type { FleetEdit, FleetTree } from './edit.js';
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { checkRelative } from '../../primitives/safe-path.js';
import { authFromEnv, type GitAuth, gitAt, gitEnv, gitFailure } from './exec.js';
import { BlobReader, gitPlumbing, quotePath } from './plumbing.js';

export interface Target {
  env: NodeJS.ProcessEnv;
  url: string;
  branch: string;
  auth?: GitAuth | undefined;
  signal?: AbortSignal | undefined;
}

export interface Workspace {
  dir: string;
  /** For the commands that talk to the remote (fetch, push), with its credentials. */
  git: SimpleGit;
  /** Local plumbing in this repository. */
  plumbing(args: readonly string[], input?: string): Promise<Buffer>;
  /** The environment local plumbing runs with (no remote, so no credentials). */
  localEnv: Record<string, string>;
  /** Who commits: the user's git identity, or gitops' own on a runner that has none. */
  author: string;
  committer: string;
  target: Target;
  close(): Promise<void>;
}

export interface StagedChange {
  /** A added, M modified, D deleted (git's letters). */
  status: string;
  /** Repository path. */
  path: string;
}

/** Used only when the user has no git identity configured (a bare CI runner). */
const FALLBACK_IDENTITY = 'gitops <gitops@localhost>';
/** The tree of no files; git knows it without storing it. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const BASE_REF = 'refs/gitops/base';

let commits = 0;

export async function openWorkspace(target: Target): Promise<Workspace> {
  const auth = target.auth ?? authFromEnv(target.env);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-fleet-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    const git = gitAt({ baseDir: dir, env: target.env, url: target.url, auth, signal: target.signal });
    await git.raw(['init', '--quiet', '--bare']).catch((e: unknown) => {
      throw gitFailure(e, 'preparing a working copy of', target.url, auth);
    });
    const localEnv = gitEnv(target.env, undefined, undefined);
    const plumbing = (args: readonly string[], input?: string) =>
      gitPlumbing(args, {
        dir,
        env: localEnv,
        signal: target.signal,
        ...(input === undefined ? {} : { input }),
      });
    const [author, committer] = await Promise.all([
      identity(plumbing, 'GIT_AUTHOR_IDENT'),
      identity(plumbing, 'GIT_COMMITTER_IDENT'),
    ]);
    return { dir, git, plumbing, localEnv, author, committer, target: { ...target, auth }, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `Name <email>` as git would commit with it here, or ours when git knows no identity. */
async function identity(plumbing: Workspace['plumbing'], variable: string): Promise<string> {
  const ident = await plumbing(['var', variable]).then(
    (b) => b.toString('utf8').trim(),
    () => '',
  );
  const m = /^(.*<[^<>]*>) \d+ [+-]\d{4}$/.exec(ident);
  return m?.[1] ?? FALLBACK_IDENTITY;
}

/**
 * Fetches the remote tip of the branch and returns it; undefined when the branch does not exist
 * yet (an empty repository or a new branch): our commit then becomes a root commit.
 */
export async function fetchTip(ws: Workspace): Promise<string | undefined> {
  const { url, branch } = ws.target;
  try {
    await ws.git.raw([
      '-c',
      'maintenance.auto=false',
      'fetch',
      '--quiet',
      '--depth=1',
      '--no-tags',
      '--',
      url,
      `+refs/heads/${branch}:${BASE_REF}`,
    ]);
  } catch (e) {
    if (/couldn't find remote ref/i.test(e instanceof Error ? e.message : String(e))) return undefined;
    throw gitFailure(e, 'reading', url, ws.target.auth);
  }
  return (await ws.plumbing(['rev-parse', '--verify', BASE_REF])).toString('utf8').trim();
}

/** The files of a commit, read from its objects; `close()` when done reading. */
export function tipTree(ws: Workspace, head: string | undefined): FleetTree & { close(): void } {
  let reader: BlobReader | undefined;
  return {
    head,
    async read(file) {
      const clean = checkRepoPath(file);
      if (head === undefined) return undefined;
      reader ??= new BlobReader({ dir: ws.dir, env: ws.localEnv });
      const blob = await reader.read(`${head}:${clean}`);
      return blob?.toString('utf8');
    },
    close() {
      reader?.close();
    },
  };
}

/**
 * Writes one commit: `base` (none: a root commit) with the edit applied. Returns it and what it
 * changes against `base`; nothing changed means the commit is not worth pushing.
 */
export async function commitEdit(
  ws: Workspace,
  base: string | undefined,
  edit: FleetEdit,
  message: string,
): Promise<{ revision: string; changes: StagedChange[] }> {
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text, 'utf8')}\n${text}\n`;
  const ref = `refs/gitops/commit-${++commits}`;
  parts.push(`commit ${ref}\nmark :1\n`);
  parts.push(`author ${ws.author} now\ncommitter ${ws.committer} now\n`, data(message));
  if (base !== undefined) parts.push(`from ${base}\n`);
  for (const [folder, files] of Object.entries(edit.folders ?? {})) {
    const clean = checkRepoPath(folder);
    // The folder becomes exactly these files: whatever else it held goes.
    parts.push(`D ${quotePath(clean)}\n`);
    for (const [rel, content] of checkFiles(files)) {
      parts.push(`M 100644 inline ${quotePath(`${clean}/${rel}`)}\n`, data(content));
    }
  }
  for (const [file, content] of Object.entries(edit.files ?? {})) {
    parts.push(`M 100644 inline ${quotePath(checkRepoPath(file))}\n`, data(content));
  }
  parts.push('\nget-mark :1\n');
  try {
    const out = await ws.plumbing(['fast-import', '--quiet', '--date-format=now'], parts.join(''));
    const revision = out.toString('utf8').trim();
    const diff = await ws.plumbing([
      'diff-tree',
      '-r',
      '-z',
      '--no-renames',
      '--name-status',
      base ?? EMPTY_TREE,
      revision,
    ]);
    const fields = diff.toString('utf8').split('\0');
    const changes: StagedChange[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      changes.push({ status: fields[i]!.slice(0, 1), path: fields[i + 1]! });
    }
    return { revision, changes };
  } catch (e) {
    if (isGitopsError(e)) throw e;
    throw gitFailure(e, 'committing to', ws.target.url, ws.target.auth);
  }
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
