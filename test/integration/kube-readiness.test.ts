/** Readiness of built-in kinds, with the test playing the Deployment controller. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import { applyObjects } from '../../src/integrations/kube/apply.js';
import { readinessOf } from '../../src/integrations/kube/readiness.js';
import { waitForReady } from '../../src/integrations/kube/waiter.js';
import {
  deployment,
  type KubeClient,
  markDeploymentAvailable,
  namespace,
  testClient,
  unique,
} from '../support/kube/helpers.js';

let client: KubeClient;
beforeAll(async () => {
  client = await testClient();
});
afterAll(() => client.close());

describe('readiness and waiting', () => {
  it('sees a Deployment become available when its controller says so', async () => {
    const ns = unique('ready-deploy');
    await applyObjects(client, [namespace(ns), deployment(ns, 'api', 2)]);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' };
    expect(readinessOf((await client.get(ref))!)).toMatchObject({ ready: false });

    const sink = new RecordingSink();
    const waiting = waitForReady(
      client,
      [{ ref }, { ref: { apiVersion: 'v1', kind: 'Namespace', name: ns } }],
      {
        deadline: Date.now() + 10_000,
        intervalMs: 50,
        sink,
        stepId: 'test:wait',
      },
    );
    await new Promise((r) => setTimeout(r, 200));
    await markDeploymentAvailable(client, ref);
    const states = await waiting;
    expect(states.map((s) => s.state)).toEqual([
      { ready: true, reason: '2/2 available' },
      { ready: true, reason: 'Active' },
    ]);
    const progress = sink.ofType('step-progress');
    expect(progress[0]).toMatchObject({ stepId: 'test:wait' });
    expect(progress[0]!.message).toContain(`Deployment ${ns}/api (`);
  });

  it('does not trust a status written for an older generation', async () => {
    const ns = unique('ready-stale');
    await applyObjects(client, [namespace(ns), deployment(ns, 'api', 1)]);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' };
    await markDeploymentAvailable(client, ref);
    expect(readinessOf((await client.get(ref))!).ready).toBe(true);
    // A new spec: generation moves on, the status still describes the old one.
    await applyObjects(client, [deployment(ns, 'api', 3)]);
    const state = readinessOf((await client.get(ref))!);
    expect(state.ready).toBe(false);
    expect(state.reason).toMatch(/not seen generation 2/);
  });

  it('ends at the deadline with an error naming what is not ready and why', async () => {
    const ns = unique('ready-timeout');
    await applyObjects(client, [namespace(ns), deployment(ns, 'slow', 1), deployment(ns, 'fast', 1)]);
    await markDeploymentAvailable(client, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: ns,
      name: 'fast',
    });
    const targets = ['slow', 'fast', 'absent'].map((name) => ({
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name },
    }));
    const error = await waitForReady(client, targets, { deadline: Date.now() + 300, intervalMs: 50 }).catch(
      (e: unknown) => e,
    );
    expect(isGitopsError(error) && error.code).toBe('GITOPS_TIMEOUT');
    const message = (error as Error).message;
    expect(message).toContain(`Deployment ${ns}/slow (controller has not seen generation 1 yet`);
    expect(message).toContain(`Deployment ${ns}/absent (not found)`);
    expect(message).not.toContain(`${ns}/fast`);
  });
});
