/**
 * The fault matrix, in a sandbox of its own (the faults here hit everyone on the sandbox: the
 * emulator down, the apiserver restarted, global throttling). Each case: the faulted run either
 * succeeds or fails with one clear error line and no stack trace; a plain re-run of the same
 * command converges; then the emulator holds exactly one of every resource of the cluster and
 * nothing unclaimed (state), and the fleet repository has every commit once (none lost, none
 * doubled). The figures are printed for test/reliability/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../support/aws-emulator/index.js';
import { restartApiserver } from '../reliability/apiserver.js';
import { type GitProxy, startGitProxy } from '../reliability/git-proxy.js';
import {
  bootstrapArgs,
  calls,
  createFleetRepo,
  emulator,
  failureLines,
  gitops,
  hasStackTrace,
  inventory,
  isMutating,
  orphans,
  type PrivateSandbox,
  privateSandbox,
  type Run,
  setFaults,
  subjects,
  TINY_COMPLETE,
  tinyConfig,
} from '../reliability/support.js';

let sb: PrivateSandbox;
let proxy: GitProxy;
let dir: string;
const figures: string[] = [];

interface Cluster {
  name: string;
  fleet: { url: string; dir: string };
  args(extra?: Record<string, unknown>): string[];
}

async function cluster(name: string): Promise<Cluster> {
  const repo = await createFleetRepo(sb, name);
  // Through the proxy, so Git faults can be injected at push time.
  const url = `${proxy.url}/${name}.git`;
  return {
    name,
    fleet: repo,
    args: (extra = {}) =>
      bootstrapArgs(sb, name, url, ['--config', tinyConfig(dir, `${name}-${Math.random()}`, extra)]),
  };
}

/** A run that failed must have failed well: exit 1, one line saying why, no stack trace. */
function clearFailure(run: Run, what: string): string {
  const where = `${what}: exit ${run.code}\n${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`;
  expect(hasStackTrace(run.stderr + run.stdout), where).toBe(false);
  if (run.code === 0) return 'succeeded';
  expect(run.code, where).toBe(1);
  const lines = failureLines(run);
  expect(lines, where).toHaveLength(1);
  return `exit 1: ${lines[0]!.slice(0, 140)}`;
}

async function converged(c: Cluster, expected: Record<string, number> = TINY_COMPLETE): Promise<void> {
  expect((await inventory(sb, c.name)).counts).toEqual(expected);
  expect(await orphans(sb)).toEqual([]);
}

async function callsSince(at: number): Promise<CallRecord[]> {
  return (await calls(sb)).filter((c) => c.at >= at);
}

async function untilCall(
  at: number,
  match: (c: CallRecord) => boolean,
  timeoutMs = 120_000,
): Promise<CallRecord> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await callsSince(at)).find(match);
    if (hit) return hit;
    if (Date.now() > end) throw new Error('the expected AWS call never came');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function count(list: CallRecord[], op: string, ok = true): number {
  return list.filter((c) => c.operation === op && c.ok === ok).length;
}

/** Commits on main touching the cluster's folder, oldest first. */
async function folderCommits(c: Cluster): Promise<string[]> {
  const out = await simpleGit(c.fleet.dir).raw([
    'log',
    '--reverse',
    '--format=%H',
    'main',
    '--',
    `clusters/${c.name}`,
  ]);
  return out.split('\n').filter((l) => l !== '');
}

async function greetingAt(c: Cluster): Promise<string> {
  const text = await simpleGit(c.fleet.dir).raw(['show', `main:clusters/${c.name}/cluster.yaml`]);
  return /greeting: (\S+)/.exec(text)?.[1] ?? '';
}

function figure(row: string): void {
  figures.push(row);
}

describe('fault matrix', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gitops-faults-'));
    sb = await privateSandbox();
    proxy = await startGitProxy(sb.gitUrl);
  }, 180_000);

  afterAll(async () => {
    process.stderr.write(`fault matrix:\n${figures.join('\n')}\n`);
    await proxy?.close();
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let a: Cluster;

  it('kube-apiserver restarted during the Flux install', async () => {
    a = await cluster('rel-a');
    let restart: Promise<{ downMs: number }> | undefined;
    const first = await gitops(sb, a.args(), {
      watch: (stderr) => {
        if (!restart && stderr.includes('[flux:components]'))
          restart = restartApiserver(sb.sandbox.kube.runDir, async () => {
            await sb.sandbox.admin.list('v1', 'Namespace');
            return true;
          });
      },
    });
    expect(restart, 'the Flux install started').toBeDefined();
    const { downMs } = await restart!;
    const outcome = clearFailure(first, 'run during the restart');
    const again = await gitops(sb, a.args());
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    await converged(a);
    expect(await folderCommits(a)).toHaveLength(1);
    figure(
      `apiserver restart | apiserver away ${downMs} ms during flux:components | ${outcome} | re-run exit 0 | 1 commit`,
    );
  });

  it('fleet remote unreachable at push time', async () => {
    const at = Date.now();
    proxy.blockBranchPushes = true;
    const first = await gitops(sb, a.args({ greeting: 'unreachable' }));
    proxy.blockBranchPushes = false;
    expect(first.code).toBe(1);
    const outcome = clearFailure(first, 'run with the remote cut at push');
    expect(outcome).toMatch(/pushing to/);
    expect(await folderCommits(a)).toHaveLength(1);
    const again = await gitops(sb, a.args({ greeting: 'unreachable' }));
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(await folderCommits(a)).toHaveLength(2);
    expect(await greetingAt(a)).toBe('unreachable');
    expect((await callsSince(at)).filter(isMutating).map((c) => c.operation)).toEqual([]);
    await converged(a);
    figure(
      `remote unreachable at push | branch push dropped | ${outcome} | re-run exit 0 | +1 commit, 0 mutating AWS calls`,
    );
  });

  it('push race with another writer', async () => {
    const other = async () => {
      const work = mkdtempSync(join(tmpdir(), 'gitops-other-'));
      const git = simpleGit(work);
      await git.raw(['clone', '-q', a.fleet.dir, '.']);
      await git.raw([
        '-c',
        'user.name=other',
        '-c',
        'user.email=o@x',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'another writer',
      ]);
      await git.raw(['push', '-q', 'origin', 'HEAD:main']);
      rmSync(work, { recursive: true, force: true });
    };
    proxy.beforeBranchPush = other;
    const run = await gitops(sb, ['-o', 'json', ...a.args({ greeting: 'race' })]);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(run.stdout) as { steps: { id: string; summary?: string }[] };
    const publish = doc.steps.find((s) => s.id === 'fleet:publish')?.summary ?? '';
    expect(publish).toMatch(/after 2 attempts/);
    const log = await subjects(a.fleet.dir);
    expect(log[1]).toBe('another writer');
    expect(await folderCommits(a)).toHaveLength(3);
    expect(await greetingAt(a)).toBe('race');
    await converged(a);
    figure(
      `push race | another writer pushed first | succeeded (${publish}) | - | their commit kept under ours, +1 commit`,
    );
  });

  it('a node group that goes CREATE_FAILED', async () => {
    const extra = {
      greeting: 'race',
      nodeGroups: [{ name: 'extra', instanceTypes: ['m6i.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    };
    await emulator(sb, 'lifecycle-faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resource: 'nodegroup',
        name: 'extra',
        outcome: 'CREATE_FAILED',
        message: 'Could not launch On-Demand Instances. InsufficientInstanceCapacity',
      }),
    });
    const at = Date.now();
    const first = await gitops(sb, a.args(extra));
    expect(first.code).toBe(1);
    const outcome = clearFailure(first, 'run with a failing node group');
    expect(outcome).toMatch(/node group extra is CREATE_FAILED/);
    const again = await gitops(sb, a.args(extra));
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/deleting it and creating it again/);
    const log = await callsSince(at);
    expect([count(log, 'CreateNodegroup'), count(log, 'DeleteNodegroup')]).toEqual([2, 1]);
    await converged(a, { ...TINY_COMPLETE, nodegroups: 2 });
    figure(
      `node group CREATE_FAILED | lifecycle fault on node group extra | ${outcome} | re-run replaced it, exit 0 | CreateNodegroup 2, DeleteNodegroup 1`,
    );
  });

  it('AWS throttling 20% and 5xx 5% on every operation', async () => {
    const b = await cluster('rel-b');
    const at = Date.now();
    await setFaults(sb, [{ throttleRate: 0.2, errorRate: 0.05 }]);
    const first = await gitops(sb, b.args()).finally(() => setFaults(sb, []));
    const outcome = clearFailure(first, 'run under throttling');
    const during = (await callsSince(at)).filter((c) => c.at <= at + first.ms);
    const throttled = during.filter((c) => /Throttl|RequestLimitExceeded/.test(c.errorCode ?? '')).length;
    const failed5xx = during.filter((c) => /Internal/.test(c.errorCode ?? '')).length;
    const again = await gitops(sb, ['-o', 'json', ...b.args()]);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    if (first.code === 0) {
      const doc = JSON.parse(again.stdout) as { steps: { result: string }[] };
      expect(doc.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
    }
    await converged(b);
    expect(await folderCommits(b)).toHaveLength(1);
    figure(
      `throttling 20% + 5xx 5% | ${during.length} calls: ${throttled} throttled, ${failed5xx} 500s | ${outcome} | re-run exit 0 | 1 commit`,
    );
  });

  it('AWS calls that hang past the client timeout (creates with and without idempotency tokens)', async () => {
    const c = await cluster('rel-c');
    const hung = [
      'CreateVpc',
      'CreateInternetGateway',
      'AllocateAddress',
      'CreateRole',
      'CreateRepository',
      'CreateCluster',
      'CreateNodegroup',
    ];
    const hangMs = 6_000; // past the CLI's 5 s request timeout on this clock
    let rules = hung.map((operation) => ({ operation, hangMs }));
    await setFaults(sb, rules);
    const at = Date.now();
    // Each operation hangs once: its first call is held past the 5 s timeout (and then carried
    // out, as AWS would), its retry goes through.
    let stop = false;
    const release = (async () => {
      while (!stop && rules.length > 0) {
        const seen = new Set((await callsSince(at)).map((x) => x.operation));
        const left = rules.filter((r) => !seen.has(r.operation));
        if (left.length !== rules.length) await setFaults(sb, left);
        rules = left;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const first = await gitops(sb, c.args());
    stop = true;
    await release;
    await setFaults(sb, []);
    const outcome = clearFailure(first, 'run with hung calls');
    // The held calls land (AWS carries them out although nobody waits for the answer).
    const lastHeld = Math.max(
      ...(await callsSince(at)).filter((x) => hung.includes(x.operation)).map((x) => x.at),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, lastHeld + hangMs + 500 - Date.now())));
    const again = await gitops(sb, c.args());
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const log = await callsSince(at);
    const clusterTokens = new Set(
      log
        .filter((x) => x.operation === 'CreateCluster')
        .map((x) => JSON.stringify((x.params as { clientRequestToken?: string }).clientRequestToken)),
    );
    expect(clusterTokens.size).toBe(1);
    await converged(c);
    const made = hung.map((op) => `${op} ${log.filter((x) => x.operation === op).length}`).join(', ');
    figure(
      `hung calls past the 5 s timeout | first call of ${hung.join('/')} held ${hangMs / 1000} s | ${outcome} | re-run exit 0, ${count(log, 'DeleteVpc')} duplicate VPC removed | calls: ${made}; one CreateCluster token`,
    );
  });

  it('the emulator down in the middle of provisioning', async () => {
    const d = await cluster('rel-d');
    const at = Date.now();
    const outages = (async () => {
      await untilCall(at, (x) => x.operation === 'CreateCluster');
      // 30 s of AWS time on the scaled clock (0.005): ridden out by the SDK's retries.
      await emulator(sb, 'down', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 150 }),
      });
      await untilCall(at, (x) => x.operation === 'CreateNodegroup');
      // 10 minutes of AWS time: longer than any retry budget.
      await emulator(sb, 'down', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 3_000 }),
      });
    })();
    const first = await gitops(sb, d.args());
    await outages.catch(() => undefined);
    const outcome = clearFailure(first, 'run with the emulator down');
    await emulator(sb, 'down', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 0 }),
    });
    const again = await gitops(sb, d.args());
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    await converged(d);
    expect(await folderCommits(d)).toHaveLength(1);
    const unavailable = (await callsSince(at)).filter((x) => x.status === 503 && !x.ok).length;
    figure(
      `emulator down mid-provisioning | 150 ms (30 s scaled) after CreateCluster, 3 s (10 min scaled) after CreateNodegroup; ${unavailable} calls answered 503 | ${outcome} | re-run exit 0 | 1 commit`,
    );
  });

  let e: Cluster;

  it('SIGKILL at every step boundary, from nothing; then a plain run converges', async () => {
    e = await cluster('rel-e');
    // Each run is killed right after a step of it finishes with a change: every boundary where
    // progress is made gets a SIGKILL (steps still running are cut off mid-way), and the next
    // run picks up from there.
    const kills: string[] = [];
    for (let i = 0; i < 30; i++) {
      let boundary = '';
      const run = await gitops(sb, e.args(), {
        watch: (out, child) => {
          const done = /^✔ (.+) (created|updated|deleted) \d/m.exec(out);
          if (done && !boundary) {
            boundary = done[1]!;
            child.kill('SIGKILL');
          }
        },
      });
      if (run.signal !== 'SIGKILL') {
        expect(run.code, run.stderr.slice(-3000)).toBe(0);
        break;
      }
      kills.push(boundary);
    }
    expect(kills.length).toBeGreaterThanOrEqual(6);
    const final = await gitops(sb, ['-o', 'json', ...e.args()]);
    expect(final.code).toBe(0);
    const doc = JSON.parse(final.stdout) as { steps: { result: string }[] };
    expect(doc.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
    await converged(e);
    expect(await folderCommits(e)).toHaveLength(1);
    figure(
      `SIGKILL at each step boundary | ${kills.length} runs killed, right after: ${kills.join('; ')} | every run died | next plain run exit 0, then all unchanged | 1 commit`,
    );
  });

  it('SIGINT mid-run: exit 130, one line, lease released; a plain re-run converges', async () => {
    const more = {
      nodeGroups: [{ name: 'sig', instanceTypes: ['m6i.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    };
    const interrupted = await gitops(sb, e.args(more), {
      watch: (out, child) => {
        if (out.includes('[aws:nodegroup:sig]') && !child.killed) child.kill('SIGINT');
      },
    });
    expect(interrupted.code, interrupted.stderr.slice(-3000)).toBe(130);
    expect(hasStackTrace(interrupted.stderr + interrupted.stdout)).toBe(false);
    expect(failureLines(interrupted)).toEqual(['interrupted']);
    // The interrupted run let go of its lease: the ref says released.
    const lease = await simpleGit(e.fleet.dir).raw(['log', '-1', '--format=%B', 'refs/gitops/locks/rel-e']);
    expect(lease).toMatch(/^released: /m);
    const again = await gitops(sb, e.args(more));
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    await converged(e, { ...TINY_COMPLETE, nodegroups: 2 });
    expect(await folderCommits(e)).toHaveLength(2);
    figure(
      `SIGINT | while node group sig was being created | exit 130, "interrupted", no stack, lease released (${interrupted.ms} ms) | re-run exit 0 | +1 commit`,
    );
  });
});
