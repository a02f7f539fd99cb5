// Kill the provisioning between any two steps (abort at each step boundary, and at a few
// moments inside steps), then run it again: it converges and the emulator holds no duplicates.
// The cases run concurrently on one emulator, each with its own cluster name (none is a
// substring of another, so filtering the call log by name is exact).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import type { GitopsEvent } from '../../src/primitives/events.js';
import { RecordingSink } from '../support/recording-sink.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, count, expectOk, mlSpec, provision, startEmulator, ML_COMPLETE } from './fixtures.js';

/** A sink that aborts the run when the given event arrives. */
class KillingSink extends RecordingSink {
  constructor(
    private readonly controller: AbortController,
    private readonly when: (e: GitopsEvent, finished: number) => boolean,
  ) {
    super();
  }
  private finished = 0;
  override emit(event: GitopsEvent): void {
    super.emit(event);
    if (event.type === 'step-finished') this.finished++;
    if (!this.controller.signal.aborted && this.when(event, this.finished)) this.controller.abort();
  }
}

describe('resume after a kill', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const stepCount = provisionSteps(mlSpec('x'), {} as AwsClients).length;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  async function killThenResume(name: string, when: (e: GitopsEvent, finished: number) => boolean) {
    const spec = mlSpec(name);
    const controller = new AbortController();
    const first = await provision(spec, aws, {
      signal: controller.signal,
      sink: new KillingSink(controller, when),
    });
    expect(first.ok).toBe(false);
    expect(first.aborted).toBe(true);
    expectOk(await provision(spec, aws));
    expect(count(emu.state(), name)).toEqual(ML_COMPLETE);
    // No create succeeded twice with the same parameters (same name, same cluster, same tags).
    const created = emu
      .calls()
      .filter((c) => c.ok && /^Create(Cluster|Nodegroup|Addon|Repository|Role|Vpc)$/.test(c.operation))
      .map((c) => `${c.operation} ${JSON.stringify(c.params)}`)
      .filter((c) => c.includes(name));
    expect(created.length).toBe(new Set(created).size);
    expect(created.filter((c) => c.startsWith('CreateCluster'))).toHaveLength(1);
  }

  for (let k = 1; k < stepCount; k++) {
    it.concurrent(`converges after a kill at step boundary ${k}`, () =>
      killThenResume(`kill${k}b`, (_e, n) => n === k));
  }

  for (const ms of [60, 400]) {
    it.concurrent(`converges after a kill ${ms} ms into the run`, async () => {
      const started = Date.now();
      await killThenResume(`kill${ms}t`, () => Date.now() - started >= ms);
    });
  }
});
