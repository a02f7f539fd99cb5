/**
 * The Secret Flux's source-controller reads to fetch the fleet repo, in the keys Flux expects:
 *   SSH    identity (private key), identity.pub, known_hosts
 *   HTTPS  username + password, or bearerToken
 * Values go in `data` (base64), not `stringData`: the server turns stringData into data on every
 * write, so re-applying stringData would never read as unchanged.
 */
import { userError } from '../../../primitives/errors.js';
import { checkGitUrl, redactUrl, withoutCredentials } from '../../git/url.js';
import type { KubeObject } from '../../kube/object.js';
import type { ReadCredentials } from '../reconciler.js';

/** How Flux reads the fleet repository (the reconciler interface's ReadCredentials). */
export type GitCredentials = ReadCredentials;

export type SecretData = Record<string, string>;

export function secretDataFor(
  credentials: Exclude<GitCredentials, { type: 'none' | 'ssh-generate' }>,
): SecretData {
  switch (credentials.type) {
    case 'ssh': {
      if (credentials.knownHosts.trim() === '') {
        throw userError(
          'GITOPS_BAD_INPUT',
          'SSH access to the fleet repo needs known_hosts entries for its host',
          {
            hint: 'for example: ssh-keyscan github.com',
          },
        );
      }
      const data: SecretData = { identity: credentials.privateKey, known_hosts: credentials.knownHosts };
      if (credentials.publicKey !== undefined) data['identity.pub'] = credentials.publicKey;
      return data;
    }
    case 'basic':
      return { username: credentials.username, password: credentials.password };
    case 'bearer':
      return { bearerToken: credentials.token };
  }
}

export function gitCredentialsSecret(name: string, namespace: string, data: SecretData): KubeObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: encoded,
  };
}

/** Decodes a live Secret's data, for comparing with what we would write. */
export function decodeSecretData(secret: KubeObject | undefined): SecretData | undefined {
  if (!secret) return undefined;
  const raw = secret.data;
  if (typeof raw !== 'object' || raw === null) return {};
  const out: SecretData = {};
  for (const [k, v] of Object.entries(raw))
    if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/**
 * The URL Flux is given (it lands in the GitRepository and in the fleet repo's gotk-sync.yaml):
 * never with a user's password or token in it (https://bot:token@host/...), and in the explicit
 * form Flux accepts: git@host:org/repo -> ssh://git@host/org/repo.
 */
export function fluxGitUrl(url: string): string {
  const clean = withoutCredentials(url);
  const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(clean);
  if (scp) return `ssh://${scp[1]}@${scp[2]}/${scp[3]}`;
  return clean;
}

/**
 * Flux's source-controller fetches over https, ssh and (when told to) plain http only: a file://
 * URL or a path on this machine reads fine for gitops but never for the cluster, so it is refused
 * before anything changes. Plain http carries the repository unencrypted and is refused unless
 * the user allows it (the sandbox's Git server is http on loopback).
 */
export function checkFluxSource(url: string, options: { allowInsecureHttp: boolean }): string {
  const transport = checkGitUrl(url, '--git-url', 'an https://, ssh:// or git@host:path URL');
  const shown = redactUrl(url);
  if (transport === 'file' || transport === 'local' || transport === 'git') {
    throw userError(
      'GITOPS_BAD_INPUT',
      `--git-url "${shown}": Flux cannot read ${transport === 'local' ? 'a local path' : `${transport}:// URLs`}`,
      {
        hint: 'give the fleet repository as an https://, ssh:// or git@host:path URL that the cluster can reach',
      },
    );
  }
  if (transport === 'http' && !options.allowInsecureHttp) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `--git-url "${shown}": plain http sends the fleet repository unencrypted`,
      {
        hint: 'use https:// or ssh://, or pass --allow-insecure-http (GITOPS_ALLOW_INSECURE_HTTP=1) for a server you trust, such as the local sandbox',
      },
    );
  }
  return fluxGitUrl(url);
}
