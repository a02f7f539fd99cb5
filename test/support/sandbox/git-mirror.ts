/**
 * The stand-in's source-controller part: fetches a Git repository with real git and checks out
 * a revision into a folder of its own (one per commit, reused), as Flux's artifact would hold it.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';

export interface Checkout {
  revision: string;
  sha: string;
  dir: string;
  /** sha256 of the commit's tree as a tar archive: what Flux's artifact digest stands for. */
  digest: string;
}

export class GitMirror {
  constructor(private readonly root: string) {}

  /** Fetches `branch` of `url` and returns its head commit checked out. */
  async checkout(url: string, branch: string): Promise<Checkout> {
    const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
    const bare = join(this.root, 'mirrors', `${key}.git`);
    if (!(await exists(bare))) {
      await mkdir(join(this.root, 'mirrors'), { recursive: true });
      await simpleGit().raw(['init', '--bare', '--quiet', bare]);
    }
    const git = simpleGit(bare);
    await git.raw([
      'fetch',
      '--quiet',
      '--prune',
      '--force',
      url,
      `+refs/heads/${branch}:refs/heads/${branch}`,
    ]);
    const sha = (await git.raw(['rev-parse', `refs/heads/${branch}`])).trim();
    const dir = join(this.root, 'checkouts', key, sha);
    if (!(await exists(join(dir, '.done')))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await git.raw(['--work-tree', dir, 'checkout', '--force', sha, '--', '.']);
      await mkdir(join(dir, '.done'));
    }
    const archive = execFileSync('git', ['--git-dir', bare, 'archive', '--format=tar', sha], {
      maxBuffer: 256 * 1024 * 1024,
    });
    const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    return { revision: `${branch}@sha1:${sha}`, sha, dir, digest };
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
