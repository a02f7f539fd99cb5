/**
 * A throw-away checkout of a fleet branch with its history, for the one reader that needs it:
 * `gitops migrate` tells a team's edits from what gitops wrote by comparing the folder with the
 * last commit gitops made to it. Read-only; removed when done.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkBranch, checkRepoPath } from './checks.js';
import { authFromEnv, gitAt, gitFailure } from './exec.js';
import { checkGitUrl } from './url.js';

export interface FleetHistory {
  /** The work tree, at the branch tip. */
  dir: string;
  /** The branch tip. */
  head: string;
  /** The newest commit touching `folder` whose subject starts with `subject`, if any. */
  lastCommit(folder: string, subject: string): Promise<string | undefined>;
  /** Writes `folder` as it was at `commit` under `dest` (same relative paths). */
  extract(commit: string, folder: string, dest: string): Promise<void>;
  remove(): Promise<void>;
}

/** Undefined when the branch does not exist. */
export async function openFleetHistory(
  url: string,
  branch: string,
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<FleetHistory | undefined> {
  checkGitUrl(url, 'fleet git URL');
  checkBranch(branch);
  const auth = authFromEnv(options.env);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-history-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const git = gitAt({ baseDir: dir, env: options.env, url, auth, signal: options.signal });
  const run = async (args: string[], action: string) => {
    try {
      return await git.raw(args);
    } catch (e) {
      throw gitFailure(e, action, url, auth);
    }
  };
  try {
    await run(['init', '--quiet'], 'preparing a copy of');
    const listed = await run(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`], 'reading');
    if (!listed.split('\n').some((l) => l.endsWith(`\trefs/heads/${branch}`))) {
      await remove();
      return undefined;
    }
    await run(
      ['fetch', '--quiet', '--no-tags', '--', url, `+refs/heads/${branch}:refs/gitops/tip`],
      'fetching',
    );
    await run(['checkout', '--quiet', '--force', '--detach', 'refs/gitops/tip'], 'reading');
    const head = (await run(['rev-parse', 'HEAD'], 'reading')).trim();
    return {
      dir,
      head,
      async lastCommit(folder, subject) {
        const clean = checkRepoPath(folder);
        const out = await run(['log', '--format=%H %s', 'HEAD', '--', clean], 'reading the history of');
        const line = out.split('\n').find((l) => l.slice(41).startsWith(subject));
        return line?.slice(0, 40);
      },
      async extract(commit, folder, dest) {
        const clean = checkRepoPath(folder);
        await mkdir(dest, { recursive: true });
        await run(['--work-tree', dest, 'checkout', commit, '--', clean], 'reading an earlier commit of');
        // The index now holds that commit's folder; put the tip back so the work tree stays the tip.
        await run(['reset', '--quiet', 'HEAD', '--', clean], 'reading');
      },
      remove,
    };
  } catch (e) {
    await remove();
    throw e;
  }
}
