/**
 * Runs a plan along its dependency graph with bounded concurrency. Observes each step, skips
 * those already in sync, applies the rest. On the first failure no new step starts while the
 * running ones finish; an abort or the deadline does the same and marks the rest `skipped`.
 */
import { setMaxListeners } from 'node:events';
import { type GitopsError, isGitopsError, systemError, toGitopsError } from './errors.js';
import { type EventSink, emit, type StepResult } from './events.js';
import type { Observation, Plan, Step, StepContext } from './plan.js';

export interface RunOptions {
  sink: EventSink;
  concurrency?: number;
  signal?: AbortSignal;
  /** Epoch ms. */
  deadline?: number;
  dryRun?: boolean;
}

export interface StepReport {
  id: string;
  title: string;
  result: StepResult;
  durationMs: number;
  summary?: string;
  error?: GitopsError;
}

export interface PlanReport {
  plan: string;
  ok: boolean;
  dryRun: boolean;
  aborted: boolean;
  timedOut: boolean;
  durationMs: number;
  steps: StepReport[];
  outputs: ReadonlyMap<string, unknown>;
  /** The first failure, which decides the exit code. */
  error?: GitopsError;
}

export async function runPlan(plan: Plan, options: RunOptions): Promise<PlanReport> {
  const { sink } = options;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const dryRun = options.dryRun ?? false;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const started = Date.now();

  // One controller per run: aborted by the caller's signal or by the deadline, so that steps
  // blocked in a wait wake up at once.
  const controller = new AbortController();
  // Every running step's waits listen on this one signal; many at once is expected.
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  let timedOut = false;
  const timer = Number.isFinite(deadline)
    ? setTimeout(
        () => {
          timedOut = true;
          controller.abort(systemError('GITOPS_TIMEOUT', 'the deadline passed'));
        },
        Math.max(0, deadline - Date.now()),
      )
    : undefined;

  emit(sink, {
    type: 'plan-started',
    plan: plan.name,
    dryRun,
    steps: plan.steps.map((s) => ({ id: s.id, title: s.title, dependsOn: s.dependsOn ?? [] })),
  });

  const outputs = new Map<string, unknown>();
  const reports = new Map<string, StepReport>();
  const pending = new Set(plan.steps.map((s) => s.id));
  const running = new Map<string, Promise<void>>();
  let firstError: GitopsError | undefined;

  const contextFor = (step: Step): StepContext => ({
    signal: controller.signal,
    deadline,
    dryRun,
    sink,
    outputOf: <T>(id: string) => outputs.get(id) as T | undefined,
    requireOutput: <T>(id: string) => {
      if (!outputs.has(id)) throw systemError('GITOPS_INTERNAL', `step ${step.id} needs the output of ${id}`);
      return outputs.get(id) as T;
    },
    progress: (message, elapsedMs) =>
      emit(sink, {
        type: 'step-progress',
        stepId: step.id,
        message,
        ...(elapsedMs === undefined ? {} : { elapsedMs }),
      }),
    info: (message) => emit(sink, { type: 'info', stepId: step.id, message }),
    warn: (code, message) => emit(sink, { type: 'warning', stepId: step.id, code, message }),
  });

  const finish = (step: Step, report: StepReport) => {
    reports.set(step.id, report);
    emit(sink, {
      type: 'step-finished',
      stepId: step.id,
      title: step.title,
      result: report.result,
      durationMs: report.durationMs,
      ...(report.summary === undefined ? {} : { summary: report.summary }),
      ...(report.error === undefined ? {} : { error: report.error.toJSON() }),
    });
  };

  const execute = async (step: Step): Promise<void> => {
    const t0 = Date.now();
    emit(sink, { type: 'step-started', stepId: step.id, title: step.title });
    const ctx = contextFor(step);
    try {
      const observation: Observation = await step.observe(ctx);
      throwIfAborted(controller.signal);
      if (observation.inSync) {
        if (observation.output !== undefined) outputs.set(step.id, observation.output);
        finish(
          step,
          withSummary(
            { id: step.id, title: step.title, result: 'unchanged', durationMs: Date.now() - t0 },
            observation.summary,
          ),
        );
        return;
      }
      if (dryRun) {
        if (observation.output !== undefined) outputs.set(step.id, observation.output);
        finish(
          step,
          withSummary(
            { id: step.id, title: step.title, result: 'would-change', durationMs: Date.now() - t0 },
            observation.summary,
          ),
        );
        return;
      }
      const outcome = await step.apply(ctx, observation);
      if (outcome.output !== undefined) outputs.set(step.id, outcome.output);
      finish(
        step,
        withSummary(
          { id: step.id, title: step.title, result: outcome.result, durationMs: Date.now() - t0 },
          outcome.summary ?? observation.summary,
        ),
      );
    } catch (e) {
      // A dry run cannot observe a step whose dependency does not exist yet (no cluster, no
      // endpoint to ask): it would change too, after that dependency.
      const pendingDeps = (step.dependsOn ?? []).filter((d) => reports.get(d)?.result === 'would-change');
      if (dryRun && !controller.signal.aborted && pendingDeps.length > 0) {
        const summary = `after ${pendingDeps.join(', ')}`;
        finish(step, {
          id: step.id,
          title: step.title,
          result: 'would-change',
          durationMs: Date.now() - t0,
          summary,
        });
        return;
      }
      const error =
        controller.signal.aborted && !isGitopsError(e)
          ? abortReason(controller.signal, timedOut)
          : toGitopsError(e);
      firstError ??= error;
      finish(step, { id: step.id, title: step.title, result: 'failed', durationMs: Date.now() - t0, error });
    }
  };

  const ready = (step: Step) =>
    (step.dependsOn ?? []).every(
      (d) =>
        reports.get(d) !== undefined &&
        reports.get(d)!.result !== 'failed' &&
        reports.get(d)!.result !== 'skipped',
    );
  const blocked = (step: Step) =>
    (step.dependsOn ?? []).some((d) => {
      const r = reports.get(d)?.result;
      return r === 'failed' || r === 'skipped';
    });

  try {
    while (pending.size > 0 || running.size > 0) {
      const stopping = firstError !== undefined || controller.signal.aborted;
      if (!stopping) {
        for (const step of plan.steps) {
          if (running.size >= concurrency) break;
          if (!pending.has(step.id)) continue;
          if (blocked(step)) {
            pending.delete(step.id);
            finish(step, {
              id: step.id,
              title: step.title,
              result: 'skipped',
              durationMs: 0,
              summary: 'a step it depends on did not finish',
            });
            continue;
          }
          if (!ready(step)) continue;
          pending.delete(step.id);
          const p = execute(step).finally(() => running.delete(step.id));
          running.set(step.id, p);
        }
      }
      if (running.size === 0) {
        // Nothing runs and nothing more can start: the rest are skipped.
        for (const step of plan.steps) {
          if (!pending.has(step.id)) continue;
          pending.delete(step.id);
          finish(step, { id: step.id, title: step.title, result: 'skipped', durationMs: 0 });
        }
        break;
      }
      await Promise.race(running.values());
    }
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  const aborted = controller.signal.aborted && !timedOut;
  if (!firstError && controller.signal.aborted) firstError = abortReason(controller.signal, timedOut);
  const ok = firstError === undefined;
  const durationMs = Date.now() - started;
  emit(sink, { type: 'plan-finished', plan: plan.name, ok, durationMs });
  return {
    plan: plan.name,
    ok,
    dryRun,
    aborted,
    timedOut,
    durationMs,
    steps: plan.steps.map((s) => reports.get(s.id)!),
    outputs,
    ...(firstError === undefined ? {} : { error: firstError }),
  };
}

function withSummary(report: StepReport, summary: string | undefined): StepReport {
  return summary === undefined ? report : { ...report, summary };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function abortReason(signal: AbortSignal, timedOut: boolean): GitopsError {
  if (timedOut)
    return systemError('GITOPS_TIMEOUT', 'the deadline passed before the plan finished', {
      hint: 'raise --timeout, then run the same command again: finished steps are kept',
    });
  const reason: unknown = signal.reason;
  if (isGitopsError(reason)) return reason;
  return systemError('GITOPS_ABORTED', 'interrupted', { hint: 'run the same command again to resume' });
}

/** A step's report as it appears in JSON output (errors as their code, message and hint). */
export interface StepDocument {
  id: string;
  title: string;
  result: string;
  durationMs: number;
  summary?: string;
  error?: { code: string; message: string; hint?: string };
}

export function stepDocuments(report: PlanReport): StepDocument[] {
  return report.steps.map((s) => ({
    id: s.id,
    title: s.title,
    result: s.result,
    durationMs: s.durationMs,
    ...(s.summary ? { summary: s.summary } : {}),
    ...(s.error ? { error: s.error.toJSON() } : {}),
  }));
}
