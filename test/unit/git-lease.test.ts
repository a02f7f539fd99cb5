/**
 * The cluster lease in the fleet repository (src/git/lease.ts) against real bare repositories:
 * one holder at a time even when two try at the same instant, a clear error naming the holder,
 * release, renewal, takeover of expired or abandoned leases, and a lost lease noticed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { GitopsError } from '../../src/primitives/errors.js';
import type { GitopsEvent } from '../../src/primitives/events.js';
import { acquireLease, leaseDisabled, leaseRef } from '../../src/integrations/git/lease.js';
import { type LocalHolder, localHolder, parseLease } from '../../src/integrations/git/lease-record.js';
import { type BareRepo, bareRepo, cleanupAll, git, tempDir } from './git-helpers.js';

afterAll(cleanupAll);

const ref = leaseRef('research');

function history(repo: BareRepo): string[] {
  const out = execFileSync('git', ['log', '--format=%B%x00', ref], { cwd: repo.dir, encoding: 'utf8' });
  return out
    .split('\0')
    .map((m) => m.trim())
    .filter((m) => m !== '');
}

function opts(repo: BareRepo, extra: Partial<Parameters<typeof acquireLease>[0]> = {}) {
  return { env: process.env, url: repo.url, cluster: 'research', operation: 'bootstrap', ...extra };
}

async function heldBy(p: Promise<unknown>): Promise<GitopsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GitopsError);
  return e as GitopsError;
}

describe('cluster lease', () => {
  it('is taken on an empty repository, refused to a second run while held, and free once released', async () => {
    const repo = bareRepo();
    const first = await acquireLease(opts(repo));
    expect(first.record.holder).toContain('@');
    const err = await heldBy(acquireLease(opts(repo, { operation: 'destroy' })));
    expect(err.code).toBe('GITOPS_CONFLICT');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(
      /^cluster research is locked by another gitops bootstrap: \S+@\S+ pid \d+, since \S+Z, lease until \S+Z$/,
    );
    expect(err.hint).toMatch(/expires at/);

    await first.release();
    const second = await acquireLease(opts(repo, { operation: 'destroy' }));
    await second.release();
    // Every change was a fast-forward: the ref's history holds all four lease commits.
    const log = history(repo).map((m) => parseLease(m));
    expect(log.map((r) => [r?.operation, r?.released !== undefined])).toEqual([
      ['destroy', true],
      ['destroy', false],
      ['bootstrap', true],
      ['bootstrap', false],
    ]);
    // Branches are untouched: the lease lives outside refs/heads.
    expect(git(repo.dir, 'for-each-ref', '--format=%(refname)').trim().split('\n')).toEqual([ref]);
  });

  it('lets exactly one of several runs starting at the same instant have it', async () => {
    for (let round = 0; round < 1; round++) {
      const repo = bareRepo();
      const tries = await Promise.allSettled(
        Array.from({ length: 3 }, () => acquireLease(opts(repo, { holder: holderLike() }))),
      );
      const won = tries.filter((t) => t.status === 'fulfilled');
      const lost = tries.filter((t) => t.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const l of lost)
        expect(String((l as PromiseRejectedResult).reason)).toMatch(/locked by|kept changing/);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLease>>>).value.release();
    }
  });

  it('takes over an expired lease of another machine, and the old holder learns it lost it', async () => {
    const repo = bareRepo();
    const elsewhere: LocalHolder = { ...holderLike(), machine: 'other-host/boot/pid:[1]', pid: 4242 };
    // The old holder's clock says it is 10 minutes earlier: to everyone else its lease ran out.
    const old = await acquireLease(
      opts(repo, { holder: elsewhere, now: () => Date.now() - 600_000, ttlMs: 60_000, renewEveryMs: 1_000 }),
    );
    const events: GitopsEvent[] = [];
    const fresh = await acquireLease(opts(repo, { sink: { emit: (e) => events.push(e) } }));
    expect(events.map((e) => (e.type === 'warning' ? e.code : e.type))).toEqual(['GITOPS_LEASE_TAKEN_OVER']);
    expect(JSON.stringify(events)).toMatch(/expired at/);
    await until(() => old.lost.aborted);
    expect((old.lost.reason as GitopsError).message).toMatch(/taken over by another run/);
    await old.release(); // must not disturb the new holder's lease
    expect(parseLease(history(repo)[0]!)?.run).toBe(fresh.record.run);
    await fresh.release();
  });

  it('takes over at once the lease of a process on this machine that no longer runs', async () => {
    const repo = bareRepo();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const crashed = await acquireLease(opts(repo, { holder: { ...localHolder(process.env), pid: gone } }));
    // (the crashed run never releases; its timer is stopped here only to end the test cleanly)
    const next = await acquireLease(opts(repo));
    expect(next.record.run).not.toBe(crashed.record.run);
    await next.release();
    await crashed.release();
  });

  it('renews the lease while the run goes on', async () => {
    const repo = bareRepo();
    const lease = await acquireLease(opts(repo, { ttlMs: 2_000, renewEveryMs: 150 }));
    const firstExpiry = lease.record.expires;
    await until(() => history(repo).length >= 3);
    expect(lease.record.expires).toBeGreaterThan(firstExpiry);
    expect(lease.lost.aborted).toBe(false);
    await lease.release();
    expect(parseLease(history(repo)[0]!)?.released).toBeDefined();
  });

  it('refuses a lease it cannot read, saying how to remove it', async () => {
    const repo = bareRepo();
    const work = tempDir();
    git(work, 'init', '--quiet');
    git(work, 'commit', '--quiet', '--allow-empty', '-m', 'not a lease');
    git(work, 'push', '--quiet', repo.url, `HEAD:${ref}`);
    const err = await heldBy(acquireLease(opts(repo)));
    expect(err.message).toMatch(/which gitops cannot read/);
    expect(err.hint).toContain(`:${ref}`);
  });

  it('can be switched off for Git hosts that refuse refs outside branches', () => {
    expect(leaseDisabled({ GITOPS_LOCK: 'off' })).toBe(true);
    expect(leaseDisabled({})).toBe(false);
  });
});

let seq = 0;
function holderLike(): LocalHolder {
  return { ...localHolder(process.env), run: `run-${++seq}` };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
