import { describe, expect, it } from 'vitest';
import { systemError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import { buildPlan, type Step, type StepContext, stepRef } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import { sleep } from '../../src/primitives/wait.js';

interface Probe {
  log: string[];
  inFlight: number;
  maxInFlight: number;
  applied: string[];
}

function probe(): Probe {
  return { log: [], inFlight: 0, maxInFlight: 0, applied: [] };
}

/** A step that records when it runs; `inSync` decides whether apply() is needed. */
function step(
  p: Probe,
  id: string,
  opts: { deps?: string[]; inSync?: boolean; ms?: number; fail?: boolean; output?: unknown } = {},
): Step {
  return {
    id,
    title: `step ${id}`,
    dependsOn: opts.deps ?? [],
    async observe() {
      p.log.push(`observe:${id}`);
      return { inSync: opts.inSync ?? false, output: opts.output };
    },
    async apply(ctx: StepContext) {
      p.inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
      p.log.push(`start:${id}`);
      try {
        await sleep(opts.ms ?? 5, ctx.signal);
        if (opts.fail) throw systemError('GITOPS_AWS', `${id} broke`);
        p.applied.push(id);
        p.log.push(`end:${id}`);
        return { result: 'created', output: opts.output };
      } finally {
        p.inFlight--;
      }
    },
  };
}

describe('plan engine', () => {
  it('runs steps after their dependencies', async () => {
    const p = probe();
    const plan = buildPlan('t', [step(p, 'c', { deps: ['b'] }), step(p, 'b', { deps: ['a'] }), step(p, 'a')]);
    const report = await runPlan(plan, { sink: new RecordingSink() });
    expect(report.ok).toBe(true);
    expect(p.applied).toEqual(['a', 'b', 'c']);
    expect(p.log.indexOf('end:a')).toBeLessThan(p.log.indexOf('observe:b'));
  });

  it('never runs more than `concurrency` steps at once, and does use that many', async () => {
    const p = probe();
    const steps = Array.from({ length: 10 }, (_, i) => step(p, `s${i}`, { ms: 20 }));
    await runPlan(buildPlan('t', steps), { sink: new RecordingSink(), concurrency: 3 });
    expect(p.maxInFlight).toBe(3);
    expect(p.applied).toHaveLength(10);
  });

  it('skips apply() for steps already in sync and reports them unchanged', async () => {
    const p = probe();
    const plan = buildPlan('t', [step(p, 'a', { inSync: true, output: 'A' }), step(p, 'b', { deps: ['a'] })]);
    const report = await runPlan(plan, { sink: new RecordingSink() });
    expect(report.steps.map((s) => [s.id, s.result])).toEqual([
      ['a', 'unchanged'],
      ['b', 'created'],
    ]);
    expect(p.applied).toEqual(['b']);
    expect(report.output(stepRef<string>('a'))).toBe('A');
  });

  it('stops scheduling after the first failure but lets running steps finish', async () => {
    const p = probe();
    const plan = buildPlan('t', [
      step(p, 'fails', { ms: 5, fail: true }),
      step(p, 'slow', { ms: 40 }),
      step(p, 'later', { deps: ['slow'] }),
      step(p, 'after-fail', { deps: ['fails'] }),
    ]);
    const report = await runPlan(plan, { sink: new RecordingSink(), concurrency: 2 });
    const results = Object.fromEntries(report.steps.map((s) => [s.id, s.result]));
    expect(report.ok).toBe(false);
    expect(report.error?.message).toBe('fails broke');
    expect(results).toEqual({ fails: 'failed', slow: 'created', later: 'skipped', 'after-fail': 'skipped' });
  });

  it('aborts on the signal: running steps end, the rest are skipped', async () => {
    const p = probe();
    const controller = new AbortController();
    const plan = buildPlan('t', [step(p, 'a', { ms: 1000 }), step(p, 'b', { deps: ['a'] })]);
    setTimeout(() => controller.abort(), 20);
    const report = await runPlan(plan, { sink: new RecordingSink(), signal: controller.signal });
    expect(report.aborted).toBe(true);
    expect(report.error?.code).toBe('GITOPS_ABORTED');
    expect(report.steps.map((s) => s.result)).toEqual(['failed', 'skipped']);
    expect(p.applied).toEqual([]);
  });

  it('gives up at the deadline with a timeout error', async () => {
    const p = probe();
    const plan = buildPlan('t', [step(p, 'a', { ms: 1000 }), step(p, 'b', { deps: ['a'] })]);
    const report = await runPlan(plan, { sink: new RecordingSink(), deadline: Date.now() + 30 });
    expect(report.timedOut).toBe(true);
    expect(report.error?.code).toBe('GITOPS_TIMEOUT');
    expect(report.steps.map((s) => s.result)).toEqual(['failed', 'skipped']);
  });

  it('dry-run observes every step and calls no apply()', async () => {
    const p = probe();
    const plan = buildPlan('t', [
      step(p, 'a'),
      step(p, 'b', { deps: ['a'], inSync: true }),
      step(p, 'c', { deps: ['b'] }),
    ]);
    const report = await runPlan(plan, { sink: new RecordingSink(), dryRun: true });
    expect(p.applied).toEqual([]);
    expect(p.log.filter((l) => l.startsWith('start:'))).toEqual([]);
    expect(report.steps.map((s) => s.result)).toEqual(['would-change', 'unchanged', 'would-change']);
  });

  it('emits started/finished events with durations for every step', async () => {
    const p = probe();
    const sink = new RecordingSink();
    await runPlan(buildPlan('t', [step(p, 'a'), step(p, 'b', { inSync: true })]), { sink });
    expect(sink.ofType('plan-started')[0]?.steps.map((s) => s.id)).toEqual(['a', 'b']);
    expect(sink.ofType('step-started').map((e) => e.stepId)).toEqual(['a', 'b']);
    const finished = sink.ofType('step-finished');
    expect(finished.map((e) => [e.stepId, e.result])).toEqual([
      ['b', 'unchanged'],
      ['a', 'created'],
    ]);
    for (const e of finished) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(sink.ofType('plan-finished')[0]?.ok).toBe(true);
  });

  it('rejects cycles, unknown dependencies and duplicate ids when the plan is built', () => {
    const p = probe();
    expect(() => buildPlan('t', [step(p, 'a', { deps: ['b'] }), step(p, 'b', { deps: ['a'] })])).toThrow(
      /dependency cycle a -> b -> a/,
    );
    expect(() => buildPlan('t', [step(p, 'a', { deps: ['nope'] })])).toThrow(/unknown step "nope"/);
    expect(() => buildPlan('t', [step(p, 'a'), step(p, 'a')])).toThrow(/duplicate step id "a"/);
  });
});

/** A step whose observe reads its dependency's output (throws while there is none). */
function needsOutputOf(id: string, dependency: string): Step {
  return {
    id,
    title: id,
    dependsOn: [dependency],
    async observe(ctx) {
      ctx.need(stepRef(dependency));
      return { inSync: true };
    },
    async apply() {
      return { result: 'created' };
    },
  };
}

describe('plan engine dry run with missing prerequisites', () => {
  it('reports a step that cannot be observed before its dependency exists as would-change', async () => {
    const p = probe();
    const needsOutput = needsOutputOf('needs', 'a');
    const report = await runPlan(buildPlan('t', [step(p, 'a'), needsOutput]), {
      sink: new RecordingSink(),
      dryRun: true,
    });
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.id, s.result, s.summary])).toEqual([
      ['a', 'would-change', undefined],
      ['needs', 'would-change', 'after a'],
    ]);
  });

  it('still fails such a step when it is not a dry run', async () => {
    const p = probe();
    const broken = needsOutputOf('b', 'a');
    const report = await runPlan(buildPlan('t', [step(p, 'a'), broken]), { sink: new RecordingSink() });
    expect(report.steps.map((s) => s.result)).toEqual(['created', 'failed']);
  });
});
