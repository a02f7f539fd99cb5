/**
 * What Flux gets to read the fleet repo, chosen from the URL: nothing for local and file
 * repositories; for HTTPS a token from the environment (read-only use: Flux only fetches); for
 * SSH a generated ed25519 deploy key, whose public half the user registers as read-only, with the
 * host's keys taken from known_hosts (we never trust a host key we did not already have).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkGitUrl } from '../../git/url.js';
import type { GitCredentials } from '../../reconciler/flux/credentials.js';
import { userError } from '../errors.js';
import { registerSecret } from '../redact.js';

export async function fluxCredentialsFor(url: string, env: NodeJS.ProcessEnv): Promise<GitCredentials> {
  const transport = checkGitUrl(url, '--git-url');
  if (transport === 'file' || transport === 'local' || transport === 'git') return { type: 'none' };
  if (transport === 'https' || transport === 'http') {
    const token = env['GITOPS_GIT_TOKEN'] ?? env['GIT_TOKEN'];
    if (!token) return { type: 'none' };
    registerSecret(token);
    return { type: 'basic', username: env['GITOPS_GIT_USERNAME'] ?? 'git', password: token };
  }
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
  return { type: 'ssh-generate', knownHosts: `${lines.join('\n')}\n` };
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
