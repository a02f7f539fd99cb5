/**
 * What Flux gets to read the fleet repo, chosen from the URL: for HTTPS a read-only token of Flux's own (GITOPS_FLUX_GIT_TOKEN), never the
 * token gitops pushes with, or none for a repository anyone can read; for
 * SSH a generated ed25519 deploy key, whose public half the user registers as read-only, with the
 * host's keys taken from known_hosts (we never trust a host key we did not already have).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemError, userError } from '../../../primitives/errors.js';
import { registerSecret } from '../../../primitives/redact.js';
import { checkGitUrl, redactUrl, withoutCredentials } from '../../git/url.js';
import type { GitCredentials } from './credentials.js';

export async function fluxCredentialsFor(url: string, env: NodeJS.ProcessEnv): Promise<GitCredentials> {
  const transport = checkGitUrl(url, '--git-url');
  // file://, local paths and git:// never reach here: checkFluxSource refuses them first.
  if (transport === 'file' || transport === 'local' || transport === 'git') return { type: 'none' };
  if (transport === 'https' || transport === 'http') {
    // Flux only reads. The token gitops pushes with (GITOPS_GIT_TOKEN, GIT_TOKEN, or one in the
    // URL) can write, so it never goes into the cluster: Flux gets a read-only token of its own,
    // or nothing when the repository can be read without one.
    const readOnly = env['GITOPS_FLUX_GIT_TOKEN'];
    if (readOnly) {
      registerSecret(readOnly);
      return { type: 'basic', username: env['GITOPS_FLUX_GIT_USERNAME'] || 'git', password: readOnly };
    }
    if (await readableAnonymously(withoutCredentials(url))) return { type: 'none' };
    throw userError(
      'GITOPS_BAD_INPUT',
      `Flux needs credentials to read ${redactUrl(url)}, and gitops does not give its push token to the cluster`,
      {
        hint: 'create a read-only token for the fleet repository and set GITOPS_FLUX_GIT_TOKEN (and GITOPS_FLUX_GIT_USERNAME if the host wants one)',
      },
    );
  }
  return { type: 'ssh-generate', knownHosts: await knownHostsFor(url, env) };
}

/** The known_hosts lines of the URL's host; none is a user error (we never trust an unknown key). */
export async function knownHostsFor(url: string, env: NodeJS.ProcessEnv): Promise<string> {
  const host = hostOf(url);
  const file = env['GITOPS_SSH_KNOWN_HOSTS'] ?? join(homedir(), '.ssh', 'known_hosts');
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) =>
    l
      .split(/\s+/)[0]
      ?.split(',')
      .some((h) => h === host || h === `[${host}]:22`),
  );
  if (lines.length === 0) {
    throw userError('GITOPS_BAD_INPUT', `--git-url: no known_hosts entry for ${host} in ${file}`, {
      hint: `connect once with ssh (or run ssh-keyscan ${host} >> ${file} after checking the key), or set GITOPS_SSH_KNOWN_HOSTS`,
    });
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Whether the repository can be read without any credentials: the first request of Git's smart
 * HTTP protocol, sent with no Authorization header (so no credential helper of the user's can
 * answer for it). 401/403 mean credentials are needed; a host that cannot be reached is reported.
 */
async function readableAnonymously(url: string): Promise<boolean> {
  const probe = `${url.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`;
  let status: number;
  try {
    const res = await fetch(probe, { redirect: 'follow', signal: AbortSignal.timeout(30_000) });
    status = res.status;
    await res.body?.cancel();
  } catch (e) {
    throw systemError('GITOPS_GIT', `reading ${redactUrl(url)} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return status !== 401 && status !== 403;
}

function hostOf(url: string): string {
  const scp = /^[^@/]+@([^:/]+):/.exec(url);
  if (scp) return scp[1]!;
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
