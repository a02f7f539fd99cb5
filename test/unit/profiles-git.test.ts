import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { parseProfileRef } from '../../src/integrations/profiles/ref.js';
import { type BareRepo, bareRepo, cleanupAll, commitAsOther, git, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml } from './profiles-helpers.js';

afterAll(cleanupAll);

const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker\ndata:\n  value: ${value}\n`;

function profileRepo(): { repo: BareRepo; v1: string; v2: string } {
  const repo = bareRepo();
  const v1 = commitAsOther(
    repo,
    {
      'profiles/shared/profile.yaml': profileYaml('shared'),
      'profiles/custom/profile.yaml': profileYaml('custom', 'includes: [shared, base]\n').replace(
        'test profile custom',
        'custom v1',
      ),
      'profiles/custom/manifests/kustomization.yaml': KUSTOMIZATION('marker.yaml'),
      'profiles/custom/manifests/marker.yaml': cm('one'),
      'profiles/nothing-here/README.md': 'no profile\n',
    },
    'v1',
  );
  git(path.dirname(repo.dir), '--git-dir', repo.dir, 'tag', 'v1', v1);
  const v2 = commitAsOther(
    repo,
    {
      'profiles/custom/profile.yaml': profileYaml('custom', 'includes: [shared, base]\n').replace(
        'test profile custom',
        'custom v2',
      ),
      'profiles/custom/manifests/marker.yaml': cm('two'),
    },
    'v2',
  );
  return { repo, v1, v2 };
}

async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  expect(e.message).not.toContain('\n');
  return e.message;
}

describe('profiles from a git URL', () => {
  const { repo, v1, v2 } = profileRepo();
  const cacheDir = tempDir('gitops-cache-');

  it('resolves //subdir#tag to that tag content and records the commit', async () => {
    const r = await resolveProfile(`${repo.url}//profiles/custom#v1`, { env: process.env, cacheDir });
    expect(r.profile.description).toBe('custom v1');
    expect(r.profiles.at(-1)!.files['manifests/marker.yaml']).toBe(cm('one'));
    expect(r.source).toEqual({ kind: 'git', ref: `${repo.url}//profiles/custom#v1`, revision: v1 });
    // `shared` comes from the same repository, `base` from the bundled catalog.
    expect(r.chain).toEqual(['shared', 'base', 'custom']);
    expect(r.profiles[0]!.dir.startsWith(cacheDir)).toBe(true);
    expect(r.profiles[1]!.label).toBe('profiles/base');
  });

  it('follows a branch, the default branch, and a commit id', async () => {
    const main = await resolveProfile(`${repo.url}//profiles/custom#main`, { env: process.env, cacheDir });
    expect([main.profile.description, main.source.revision]).toEqual(['custom v2', v2]);
    const dflt = await resolveProfile(`${repo.url}//profiles/custom`, { env: process.env, cacheDir });
    expect(dflt.source.revision).toBe(v2);
    const pinned = await resolveProfile(`${repo.url}//profiles/custom#${v1}`, { env: process.env, cacheDir });
    expect([pinned.profile.description, pinned.source.revision]).toEqual(['custom v1', v1]);
    // Going back to the tag in the same cache gives the tag content again (no stale files).
    const again = await resolveProfile(`${repo.url}//profiles/custom#v1`, { env: process.env, cacheDir });
    expect(again.profiles.at(-1)!.files['manifests/marker.yaml']).toBe(cm('one'));
  });

  it('names what is wrong: bad ref, missing subfolder, missing profile.yaml, unreachable repo', async () => {
    expect(
      await failure(resolveProfile(`${repo.url}//profiles/custom#v9`, { env: process.env, cacheDir })),
    ).toMatch(/has no branch, tag or commit "v9"$/);
    expect(
      await failure(resolveProfile(`${repo.url}//profiles/missing#v1`, { env: process.env, cacheDir })),
    ).toMatch(/subfolder "profiles\/missing" not found in the repository$/);
    expect(
      await failure(resolveProfile(`${repo.url}//profiles/nothing-here#v1`, { env: process.env, cacheDir })),
    ).toMatch(/profiles\/nothing-here#v1: no profile\.yaml in this folder$/);
    expect(
      await failure(resolveProfile('file:///nonexistent/profiles.git//x#v1', { env: process.env, cacheDir })),
    ).toMatch(/^cannot read profile repository file:\/\/\/nonexistent\/profiles\.git: /);
  });

  it('refuses a subfolder that is a symlink out of the repository', async () => {
    const r = bareRepo();
    const outside = tempDir('gitops-outside-');
    const work = tempDir('gitops-work-');
    git(work, 'init', '--quiet', '--initial-branch=main');
    symlinkSync(outside, path.join(work, 'evil'));
    git(work, 'add', 'evil');
    git(work, 'commit', '--quiet', '-m', 'link');
    git(work, 'push', '--quiet', r.url, 'HEAD:refs/heads/main');
    expect(await failure(resolveProfile(`${r.url}//evil`, { env: process.env, cacheDir }))).toMatch(
      /"evil" is a symlink pointing outside the profile folder/,
    );
  });
});

describe('parseProfileRef', () => {
  it('tells bundled names, folders and git URLs apart', () => {
    expect(parseProfileRef('ml')).toEqual({ kind: 'bundled', name: 'ml' });
    expect(parseProfileRef('./mine')).toEqual({ kind: 'folder', path: './mine' });
    expect(parseProfileRef('/abs/mine')).toEqual({ kind: 'folder', path: '/abs/mine' });
    expect(parseProfileRef('https://git.example.com/acme/profiles.git//stacks/ml#v1.2.0')).toEqual({
      kind: 'git',
      url: 'https://git.example.com/acme/profiles.git',
      subdir: 'stacks/ml',
      ref: 'v1.2.0',
    });
    expect(parseProfileRef('git@github.com:acme/profiles.git//ml#main')).toEqual({
      kind: 'git',
      url: 'git@github.com:acme/profiles.git',
      subdir: 'ml',
      ref: 'main',
    });
    expect(parseProfileRef('file:///srv/profiles.git')).toEqual({
      kind: 'git',
      url: 'file:///srv/profiles.git',
      subdir: '',
      ref: undefined,
    });
  });

  it('refuses command-running transports, option-looking refs and escapes', () => {
    const bad: [string, RegExp][] = [
      ['ext::sh -c "touch /tmp/pwned"//x', /remote-helper transport|whitespace/],
      ['ext::sh%20-c%20id', /remote-helper transport/],
      ['fd::3', /remote-helper transport/],
      ['-uhttps://x/y.git', /must not start with "-"/],
      ['--upload-pack=touch /tmp/x', /must not start with "-"/],
      ['gopher://host/repo.git', /unsupported transport "gopher"/],
      ['https://host/repo.git//../../etc#v1', /escapes the profile folder/],
      ['https://host/repo.git#-evil', /not a valid branch, tag or commit/],
      ['https://host/repo.git#a..b', /not a valid branch, tag or commit/],
      ['https:///repo.git', /has no host/],
      ['Not A Profile!', /neither a bundled name, a folder nor a git URL/],
    ];
    for (const [ref, expected] of bad) {
      let message = '';
      try {
        parseProfileRef(ref);
      } catch (e) {
        if (isGitopsError(e)) {
          expect(e.exitCode).toBe(2);
          message = e.message;
        }
      }
      expect(message, ref).toMatch(expected);
    }
  });
});
