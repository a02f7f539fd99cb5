/**
 * Least privilege for Flux's Git credential: the token gitops pushes with never goes into the
 * cluster. Flux gets nothing for a repository anyone can read, its own read-only token
 * (GITOPS_FLUX_GIT_TOKEN) otherwise, and a private repository without one is refused before
 * anything changes. The URL Flux is given never carries credentials.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fluxCredentialsFor } from '../../src/integrations/reconciler/flux/read-credentials.js';
import { GitopsError } from '../../src/primitives/errors.js';
import { fluxGitUrl } from '../../src/integrations/reconciler/flux/credentials.js';
import {
  type GitHttpServer as OpenServer,
  startGitHttpServer as startOpen,
} from '../support/sandbox/git-http.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';

const PUSH_TOKEN = 'push-token-with-write-access-0001';
const READ_TOKEN = 'read-only-token-for-flux-0002';

let privateServer: GitHttpServer;
let publicServer: OpenServer;

beforeAll(async () => {
  const root = tempDir('gitops-flux-cred-');
  execFileSync('git', ['init', '--quiet', '--bare', join(root, 'fleet.git')]);
  privateServer = await startGitHttpServer(root, PUSH_TOKEN);
  publicServer = await startOpen(tempDir('gitops-flux-cred-open-'), { token: PUSH_TOKEN });
});

afterAll(async () => {
  await privateServer.close();
  await publicServer.stop();
  cleanupAll();
});

describe('Flux Git credentials', () => {
  it('gives Flux nothing for a repository anyone can read, even when gitops has a push token', async () => {
    const url = await publicServer.createRepo('fleet.git');
    expect(await fluxCredentialsFor(url, { GITOPS_GIT_TOKEN: PUSH_TOKEN })).toEqual({ type: 'none' });
  });

  it('gives Flux its read-only token, never the push token', async () => {
    const creds = await fluxCredentialsFor(`${privateServer.base}/fleet.git`, {
      GITOPS_GIT_TOKEN: PUSH_TOKEN,
      GITOPS_FLUX_GIT_TOKEN: READ_TOKEN,
    });
    expect(creds).toEqual({ type: 'basic', username: 'git', password: READ_TOKEN });
    expect(JSON.stringify(creds)).not.toContain(PUSH_TOKEN);
  });

  it('refuses a private repository without a read-only token, before anything changes', async () => {
    for (const url of [
      `${privateServer.base}/fleet.git`,
      `http://x-access-token:${PUSH_TOKEN}@${privateServer.base.slice(7)}/fleet.git`,
    ]) {
      const err = await fluxCredentialsFor(url, { GITOPS_GIT_TOKEN: PUSH_TOKEN }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitopsError);
      expect((err as GitopsError).exitCode).toBe(2);
      expect((err as GitopsError).message).toMatch(
        /Flux needs credentials to read .* does not give its push token/,
      );
      expect((err as GitopsError).hint).toMatch(/GITOPS_FLUX_GIT_TOKEN/);
      expect(JSON.stringify((err as GitopsError).toJSON())).not.toContain(PUSH_TOKEN);
    }
  });

  it('never puts credentials in the URL Flux is given', () => {
    expect(fluxGitUrl('https://bot:s3cret@example.com/org/fleet.git')).toBe(
      'https://example.com/org/fleet.git',
    );
    expect(fluxGitUrl('git@example.com:org/fleet.git')).toBe('ssh://git@example.com/org/fleet.git');
  });
});
