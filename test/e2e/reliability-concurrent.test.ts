/**
 * Two `gitops bootstrap` of the same cluster started at the same instant, as two CI jobs would:
 * one takes the cluster's lease in the fleet repository and builds the cluster; the other stops
 * at once, naming who holds the lease and until when. The end state holds exactly one of every
 * resource, the fleet repository one commit, and the lease is released. A third run after them
 * takes the lease again and changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bootstrapArgs,
  calls,
  createFleetRepo,
  errorLines,
  gitops,
  inventory,
  isMutating,
  orphans,
  TINY_COMPLETE,
  tinyConfig,
} from '../reliability/support.js';
import { sandbox } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gitops-concurrent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two bootstraps of one cluster at once', () => {
  it('one builds it, the other is refused with who holds the lease; one of everything in the end', async () => {
    const sb = sandbox();
    const name = 'rel-concurrent';
    const fleet = await createFleetRepo(sb, name);
    const args = bootstrapArgs(sb, name, fleet.url, ['--config', tinyConfig(dir, name)]);
    const at = Date.now();
    const [one, two] = await Promise.all([gitops(sb, args), gitops(sb, args)]);
    const codes = [one.code, two.code].sort();
    expect(codes, `${one.stderr.slice(-2000)}\n---\n${two.stderr.slice(-2000)}`).toEqual([0, 1]);
    const refused = one.code === 1 ? one : two;
    const lines = errorLines(refused.stderr);
    expect(lines[0]).toMatch(
      /^error: cluster rel-concurrent is locked by another gitops bootstrap: \S+@\S+ pid \d+, since \S+Z, lease until \S+Z$/,
    );
    expect(lines[1]).toMatch(/^hint: wait for that run to finish/);
    const counts = (await inventory(sb, name)).counts;
    expect(counts).toEqual(TINY_COMPLETE);
    expect((await orphans(sb)).filter((o) => o.includes(name))).toEqual([]);
    const mutating = (await calls(sb)).filter((c) => c.at >= at && isMutating(c));

    const git = simpleGit(fleet.dir);
    expect(Number((await git.raw(['rev-list', '--count', 'main'])).trim())).toBe(1);
    expect(await git.raw(['log', '-1', '--format=%B', `refs/gitops/locks/${name}`])).toMatch(/^released: /m);

    const third = await gitops(sb, ['-o', 'json', ...args]);
    expect(third.code).toBe(0);
    const doc = JSON.parse(third.stdout) as { steps: { result: string }[] };
    expect(doc.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
    process.stderr.write(
      `concurrent runs: exits ${one.code}/${two.code}, refused in ${refused.ms} ms; ${JSON.stringify(counts)}; ${mutating.length} mutating calls\n`,
    );
  });
});
