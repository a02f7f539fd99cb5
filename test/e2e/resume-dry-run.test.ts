import { describe, expect, it } from 'vitest';
import {
  bootstrapArgs,
  cliWritesSince,
  commitCount,
  createFleetRepo,
  emulator,
  gitops,
  mutatingCallsSince,
  ML_TAGGED,
  taggedFor,
} from './helpers.js';
import type { CallRecord } from '../support/aws-emulator/index.js';

const CLUSTER = 'e2e-resume';

describe('dry run, then SIGKILL at several points and resume', () => {
  it('a dry run changes nothing anywhere', async () => {
    const fleet = await createFleetRepo(CLUSTER);
    const before = Date.now();
    const r = await gitops(['-o', 'json', ...bootstrapArgs(CLUSTER, 'ml', fleet.url, ['--dry-run'])]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { dryRun: boolean; steps: { id: string; result: string }[] };
    expect(doc.dryRun).toBe(true);
    expect(doc.steps.find((s) => s.id === 'aws:cluster')?.result).toBe('would-change');
    expect(doc.steps.find((s) => s.id === 'fleet:publish')?.result).toBe('would-change');
    expect(await mutatingCallsSince(before)).toEqual([]);
    expect(await commitCount(fleet.dir)).toBe(0);
    // The apiserver's audit log: not one write by the CLI (the stand-in keeps writing meanwhile).
    expect(cliWritesSince(before)).toEqual([]);
  });

  it('converges after being killed mid-run, creating nothing twice', async () => {
    const fleet = await createFleetRepo(`${CLUSTER}-kill`);
    const name = `${CLUSTER}-kill`;
    const start = Date.now();
    // Kill points: during network/IAM, while the cluster is CREATING, during node groups/Flux.
    for (const ms of [1500, 5000, 9000]) {
      const killed = await gitops(bootstrapArgs(name, 'ml', fleet.url), {
        killAfterMs: ms,
        killSignal: 'SIGKILL',
      });
      expect(killed.signal === 'SIGKILL' || killed.code === 0).toBe(true);
    }
    const final = await gitops(['-o', 'json', ...bootstrapArgs(name, 'ml', fleet.url)]);
    expect(final.code, final.stderr + final.stdout).toBe(0);
    expect(JSON.parse(final.stdout).ok).toBe(true);
    // The audit check the dry run passes above does see the CLI's writes (the Flux install,
    // server-side applied: PATCH).
    expect(cliWritesSince(start).filter((w) => w.verb === 'patch').length).toBeGreaterThan(0);
    expect(await taggedFor(name)).toMatchObject(ML_TAGGED);

    // The call log: each kind of resource was created once (retries of a lost answer excepted,
    // which AWS's idempotency tokens turn into the same resource).
    const calls = (await emulator<CallRecord[]>('calls')).filter((c) => c.at >= start && c.ok);
    const created = (op: string) => calls.filter((c) => c.operation === op).length;
    expect(created('CreateVpc')).toBe(1);
    expect(created('CreateCluster')).toBe(1);
    expect(created('CreateInternetGateway')).toBe(1);
    expect(await commitCount(fleet.dir)).toBe(1);
    expect((await gitops(['status', '--cluster', name])).code).toBe(0);
  });
});
