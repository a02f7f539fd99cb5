import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { publishFleet } from '../../src/integrations/git/fleet.js';
import { readFleetFile } from '../../src/integrations/git/remote.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { bareRepo, cleanupAll, commitAsOther, git, tempDir } from './git-helpers.js';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';
import { KUSTOMIZATION, profileYaml } from './profiles-helpers.js';

const TOKEN = 'ghp_TEST0nly5ecretT0ken';
let server: GitHttpServer;
const fleet = bareRepo();
const profiles = bareRepo();

beforeAll(async () => {
  git(fleet.dir, 'config', 'http.receivepack', 'true');
  commitAsOther(
    profiles,
    {
      'stacks/web/profile.yaml': profileYaml('web'),
      'stacks/web/manifests/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
      'stacks/web/manifests/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
    },
    'web profile',
  );
  // Both bare repositories live in their own folder under the temporary directory.
  server = await startGitHttpServer(path.dirname(path.dirname(fleet.dir)), TOKEN);
});

afterAll(async () => {
  await server.close();
  cleanupAll();
});

/** Every file under `dir` whose bytes contain the token. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

const served = (repo: { dir: string }) => `${path.basename(path.dirname(repo.dir))}/fleet.git`;
const url = () => `${server.base}/${served(fleet)}`;
const write = (extra: Record<string, unknown> = {}) => ({
  env: process.env,
  url: url(),
  branch: 'main',
  path: 'clusters/web',
  files: { 'cluster.yaml': 'name: web\n' },
  message: 'gitops: bootstrap web with profile web@1.0.0',
  ...extra,
});

describe('git over HTTP with a token', () => {
  it('pushes with a token from the options, sent as a header, and never stores it', async () => {
    const result = await publishFleet(write({ auth: { token: TOKEN } }));
    expect(result.committed).toBe(true);
    expect(server.seen.filter((h) => h !== undefined).length).toBeGreaterThan(0);
    expect(filesContaining(fleet.dir, TOKEN)).toEqual([]);
    expect(
      await readFleetFile(url(), 'main', 'clusters/web/cluster.yaml', {
        env: process.env,
        auth: { token: TOKEN },
      }),
    ).toBe('name: web\n');
  });

  it('takes the token from GITOPS_GIT_TOKEN, or from the URL without keeping it there', async () => {
    process.env['GITOPS_GIT_TOKEN'] = TOKEN;
    try {
      const again = await publishFleet(write({ files: { 'cluster.yaml': 'name: web\nv: 2\n' } }));
      expect(again.committed).toBe(true);
    } finally {
      delete process.env['GITOPS_GIT_TOKEN'];
    }
    const inUrl = `${server.base.replace('http://', `http://x-access-token:${TOKEN}@`)}/${served(fleet)}`;
    const third = await publishFleet(write({ url: inUrl, files: { 'cluster.yaml': 'name: web\nv: 3\n' } }));
    expect(third.committed).toBe(true);
    expect(filesContaining(fleet.dir, TOKEN)).toEqual([]);
  });

  it('fails fast with a one-line error and no prompt when the token is missing or wrong', async () => {
    for (const auth of [undefined, { token: 'wrong-token' }]) {
      const started = Date.now();
      const err = await publishFleet(write(auth ? { auth } : {})).catch((e: unknown) => e);
      expect(isGitopsError(err)).toBe(true);
      if (!isGitopsError(err)) return;
      expect(err.exitCode).toBe(1);
      expect(err.message).toMatch(/^reading http:\/\/127\.0\.0\.1:\d+\/\S+\/fleet\.git failed: /);
      expect(err.message).not.toContain('wrong-token');
      expect(err.hint).toMatch(/GITOPS_GIT_TOKEN/);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });

  it('resolves a profile over HTTP with the token from the environment and caches no secret', async () => {
    const cacheDir = tempDir('gitops-cache-');
    process.env['GITOPS_GIT_TOKEN'] = TOKEN;
    try {
      const r = await resolveProfile(`${server.base}/${served(profiles)}//stacks/web`, {
        env: process.env,
        cacheDir,
      });
      expect(r.chain).toEqual(['web']);
    } finally {
      delete process.env['GITOPS_GIT_TOKEN'];
    }
    expect(filesContaining(cacheDir, TOKEN)).toEqual([]);
  });
});
