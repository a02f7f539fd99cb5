import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { parseClusterFile } from '../../src/spec/cluster-file.js';
import { requestedSpec } from '../../src/usecases/bootstrap/inputs.js';
import { publishRendered, renderFor } from './fleet-helpers.js';
import { bareRepo, cleanupAll, commitCount, tempDir } from './git-helpers.js';
import { profileYaml, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

async function message(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  expect(e.message).not.toContain('\n');
  return e.message;
}

describe('bootstrap into the fleet repo, then rebuild from it', () => {
  it('renders ml, pushes it, makes no commit on re-run, and reads the same spec back', async () => {
    const repo = bareRepo();
    const rendered = await renderFor('research', 'ml', repo.url);
    expect((await publishRendered(rendered, repo.url)).committed).toBe(true);
    const again = await renderFor('research', 'ml', repo.url);
    expect((await publishRendered(again, repo.url)).committed).toBe(false);
    expect(commitCount(repo)).toBe(1);

    // bootstrap --from-git, as the CLI runs it.
    const fromGit = (cluster: string, path?: string) =>
      requestedSpec(
        { flags: { cluster }, fromGit: { url: repo.url, ...(path ? { path } : {}) } },
        { env: process.env },
      );
    const back = await fromGit('research');
    expect(back).toEqual(rendered.spec);
    expect(await message(fromGit('other'))).toMatch(
      /^no cluster "other" in the fleet repository: .*clusters\/other\/cluster\.yaml does not exist$/,
    );
    // A folder that describes another cluster is refused: rebuilding it under this name would
    // make a second copy of that cluster. (The path taken by bootstrap lacked this check.)
    expect(await message(fromGit('other', 'clusters/research'))).toMatch(
      /clusters\/research\/cluster\.yaml: describes cluster "research", not "other"$/,
    );
  });
});

describe('bad profile.yaml and cluster.yaml', () => {
  const cases: [string, string, RegExp][] = [
    [
      'duplicate key',
      `${profileYaml('dup')}version: 2.0.0\n`,
      /profile\.yaml:6: invalid YAML: duplicate key/,
    ],
    ['not a mapping', '- a\n- b\n', /profile\.yaml: expected object, got a list|profile\.yaml: .*expected/],
    ['invalid YAML', 'name: [unclosed\n', /profile\.yaml:\d+: invalid YAML/],
    ['unknown field', `${profileYaml('x')}nodegroups: []\n`, /profile\.yaml:6: nodegroups: unknown field/],
    [
      'wrong type',
      `${profileYaml('x')}includes: base\n`,
      /profile\.yaml:6: includes: expected array, got string/,
    ],
    [
      'bad node group',
      `${profileYaml('x')}nodeGroups:\n  - name: gpu\n    instanceTypes: [g5.xlarge]\n    minSize: 3\n    desiredSize: 1\n    maxSize: 4\n`,
      /profile\.yaml:\d+: nodeGroups\[0\]\.desiredSize: must be >= minSize \(3\)/,
    ],
    [
      'alias bomb',
      `${profileYaml('x')}a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
      /alias/,
    ],
    ['huge', `${profileYaml('x')}# ${'x'.repeat(1024 * 1024)}\n`, /too large/],
    [
      'builtin parameter',
      `${profileYaml('x')}parameters:\n  - name: cluster\n`,
      /parameters\[0\]\.name: is a built-in parameter/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`refuses a profile.yaml with ${what}, naming the file`, async () => {
      const dir = path.join(tempDir('gitops-prof-'), 'x');
      writeFiles(dir, { 'profile.yaml': text });
      expect(await message(resolveProfile(dir, { env: process.env }))).toMatch(expected);
    });
  }

  it('names the line of a bad field in cluster.yaml', () => {
    const text =
      'name: research\nregion: us-west-2\nprofile:\n  source: ml\nfleet:\n  url: file:///x\nnodeGroups:\n  - name: a\n    instanceTypes: []\n    minSize: 1\n    desiredSize: 1\n    maxSize: 1\n';
    expect(() => parseClusterFile(text, 'fleet#main:clusters/research/cluster.yaml')).toThrow(
      /^fleet#main:clusters\/research\/cluster\.yaml:9: nodeGroups\[0\]\.instanceTypes: expected a non-empty list$/,
    );
  });
});
