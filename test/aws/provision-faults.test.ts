// With 20% throttling and 5% internal errors on every operation of every service, provision
// and teardown still succeed: the SDK's adaptive retry absorbs the faults, our steps are safe
// to repeat, and nothing is created twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import {
  clientsFor,
  count,
  expectOk,
  mlSpec,
  provision,
  startEmulator,
  teardown,
  ML_COMPLETE,
} from './fixtures.js';

describe('under injected faults', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = mlSpec('flaky', { network: { natGateways: 'perAz', availabilityZones: 3 } });

  beforeAll(async () => {
    emu = await startEmulator({ seed: 42, faults: [{ throttleRate: 0.2, errorRate: 0.05 }] });
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('provisions', async () => {
    expectOk(await provision(spec, aws, { timeoutMs: 90_000 }));
    const calls = emu.calls();
    const faults = calls.filter((c) => !c.ok);
    // The faults really happened, across services, and were retried.
    expect(
      faults.filter(
        (c) =>
          c.errorCode === 'ThrottlingException' ||
          c.errorCode === 'Throttling' ||
          c.errorCode === 'RequestLimitExceeded',
      ).length,
    ).toBeGreaterThan(10);
    expect(faults.filter((c) => c.status === 500).length).toBeGreaterThan(2);
    expect(new Set(faults.map((c) => c.service)).size).toBe(4);
    expect(count(emu.state(), 'flaky')).toEqual({ ...ML_COMPLETE, addresses: 3, natGateways: 3 });
  });

  it('re-runs unchanged', async () => {
    const report = expectOk(await provision(spec, aws, { timeoutMs: 90_000 }));
    expect(report.steps.every((s) => s.result === 'unchanged')).toBe(true);
  });

  it('tears down', async () => {
    expectOk(await teardown('flaky', aws, { timeoutMs: 90_000 }));
    expect(count(emu.state(), 'flaky')).toEqual({});
  });
});
