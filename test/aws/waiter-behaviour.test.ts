// Our waiter against real lifecycles in the emulator: it notices ACTIVE within one (scaled) poll
// interval, reports state and elapsed time, and honours the deadline and the abort signal.
import { CreateClusterCommand, EKSClient, waitUntilClusterActive } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { waitForCluster } from '../../src/integrations/aws/cluster.js';
import { DEFAULT_POLL, pollDelay, type WaitContext } from '../../src/integrations/aws/waiter.js';
import { isGitopsError, systemError } from '../../src/primitives/errors.js';
import type { StepContext } from '../../src/primitives/plan.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';
import { clientsFor, SCALE, startEmulator } from './fixtures.js';

const CLUSTER_MS = 9 * 60_000 * SCALE;

interface Progress {
  message: string;
  elapsedMs?: number;
}

function context(
  options: { deadline?: number; signal?: AbortSignal; progress?: Progress[] } = {},
): StepContext {
  const wait: WaitContext = {
    signal: options.signal ?? new AbortController().signal,
    deadline: options.deadline ?? Date.now() + 30_000,
    progress: (message, elapsedMs) =>
      options.progress?.push({ message, ...(elapsedMs === undefined ? {} : { elapsedMs }) }),
  };
  return wait as StepContext;
}

describe('waiter', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let eks: EKSClient;
  let prereq: EksPrerequisites;
  let n = 0;

  /** Creates a cluster and returns when the emulator will report it ACTIVE (epoch ms). */
  async function createCluster(): Promise<{ name: string; activeAt: number }> {
    const name = `w${++n}`;
    await eks.send(
      new CreateClusterCommand({
        name,
        roleArn: prereq.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: prereq.subnetIds },
      }),
    );
    const created = emu.state().eks.clusters.find((c) => c.name === name)!.createdAt as number;
    return { name, activeAt: created * 1000 + CLUSTER_MS };
  }

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    eks = new EKSClient(clientConfig(emu));
    prereq = await createEksPrerequisites(emu, 'wait');
  });
  afterAll(() => emu.stop());

  it('polls fast first, then 10% of the time waited, never more than 5 s (+10% jitter)', () => {
    const at = (s: number) => pollDelay(s * 1000);
    expect(at(0)).toBeGreaterThanOrEqual(900);
    expect(at(0)).toBeLessThanOrEqual(1100);
    expect(at(30)).toBeGreaterThanOrEqual(2700);
    expect(at(30)).toBeLessThanOrEqual(3300);
    for (const s of [50, 540, 3600]) {
      expect(at(s)).toBeGreaterThanOrEqual(4500);
      expect(at(s)).toBeLessThanOrEqual(5500);
    }
    expect(pollDelay(540_000, DEFAULT_POLL, 0.001)).toBeLessThanOrEqual(6);
  });

  it('notices ACTIVE within one poll interval and reports state with elapsed time', async () => {
    const { name, activeAt } = await createCluster();
    const progress: Progress[] = [];
    const cluster = await waitForCluster(context({ progress }), aws, name);
    const noticed = Date.now();
    expect(cluster.status).toBe('ACTIVE');
    expect(noticed - activeAt).toBeGreaterThanOrEqual(0);
    // At most one poll after ACTIVE, counted in polls so that a loaded machine cannot make it
    // flaky. None is possible too: the call log stamps a call when it arrives, and the poll that
    // saw ACTIVE may have arrived a moment before the status was read.
    const after = emu
      .calls({ operation: 'DescribeCluster' })
      .filter((c) => JSON.stringify(c.params).includes(`"${name}"`) && c.at >= activeAt);
    expect(after.length).toBeLessThanOrEqual(1);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.message).toBe(`cluster ${name}: CREATING`);
    const elapsed = progress.map((p) => p.elapsedMs!);
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
  });

  it('gives up at the deadline with the last state', async () => {
    const { name } = await createCluster();
    const started = Date.now();
    const err = await waitForCluster(context({ deadline: started + 100 }), aws, name).catch(
      (e: unknown) => e,
    );
    expect(isGitopsError(err) && err.code).toBe('GITOPS_TIMEOUT');
    expect((err as Error).message).toMatch(new RegExp(`^cluster ${name} is still CREATING after \\d+ms$`));
    expect(Date.now() - started).toBeLessThan(100 + 2000);
  });

  it("when the run's deadline fires mid-wait, says what it was waiting for and in which state", async () => {
    const { name } = await createCluster();
    const controller = new AbortController();
    const waiting = waitForCluster(context({ signal: controller.signal }), aws, name).catch(
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 60));
    controller.abort(systemError('GITOPS_TIMEOUT', 'the deadline passed'));
    const err = await waiting;
    expect(isGitopsError(err) && err.code).toBe('GITOPS_TIMEOUT');
    expect((err as Error).message).toMatch(new RegExp(`^cluster ${name} is still CREATING after \\d+ms$`));
  });

  it('stops at once when aborted', async () => {
    const { name } = await createCluster();
    const controller = new AbortController();
    const waiting = waitForCluster(context({ signal: controller.signal }), aws, name).catch(
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 60));
    const reason = new Error('interrupted by the test');
    reason.name = 'AbortError';
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await waiting).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
  });

  it('notices ACTIVE far sooner than the SDK waiter on the same clusters (scaled clock)', async () => {
    // A slower clock than the other cases, so that a handful of waiters polling at once stay
    // far from saturating the CPU the emulator and the clients share.
    const scale = 0.005;
    const slow = await startEmulator({ timeScale: scale });
    try {
      const fast = clientsFor(slow, { timeScale: scale });
      const client = new EKSClient(clientConfig(slow));
      const roles = await createEksPrerequisites(slow, 'cmp');
      const clusters = await Promise.all(
        ['c1', 'c2', 'c3', 'c4'].map(async (name) => {
          await client.send(
            new CreateClusterCommand({
              name,
              roleArn: roles.clusterRoleArn,
              resourcesVpcConfig: { subnetIds: roles.subnetIds },
            }),
          );
          const created = slow.state().eks.clusters.find((c) => c.name === name)!.createdAt as number;
          return { name, activeAt: created * 1000 + 9 * 60_000 * scale };
        }),
      );
      const ours: number[] = [];
      const sdk: number[] = [];
      await Promise.all(
        clusters.flatMap(({ name, activeAt }) => [
          waitForCluster(context(), fast, name).then(() => ours.push(Date.now() - activeAt)),
          // The SDK's own delays (30 s, then up to 120 s) on the same scale as the emulator.
          waitUntilClusterActive(
            { client, maxWaitTime: 60, minDelay: 30 * scale, maxDelay: 120 * scale },
            { name },
          ).then(() => sdk.push(Date.now() - activeAt)),
        ]),
      );
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      expect(median(ours)).toBeLessThan(median(sdk) / 2);
    } finally {
      await slow.stop();
    }
  });
});
