/** A throw-away shallow checkout of a fleet repository's branch head, for reading it whole. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authFromEnv, gitAt, gitFailure } from './exec.js';
import { checkGitUrl } from './url.js';

export interface FleetCheckout {
  dir: string;
  revision: string;
  remove(): Promise<void>;
}

export async function checkoutFleet(
  url: string,
  branch: string,
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<FleetCheckout> {
  checkGitUrl(url, 'fleet git URL');
  const { env, signal } = options;
  const auth = authFromEnv(env);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-fleet-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const git = gitAt({ baseDir: dir, env, url, auth, signal });
    await git.raw(['init', '--quiet']);
    await git.raw(['fetch', '--quiet', '--depth=1', '--no-tags', '--', url, `refs/heads/${branch}`]);
    await git.raw(['checkout', '--quiet', 'FETCH_HEAD']);
    const revision = (await git.raw(['rev-parse', 'HEAD'])).trim();
    return { dir, revision, remove };
  } catch (e) {
    await remove();
    throw gitFailure(e, 'reading', url, auth);
  }
}
