/**
 * Runs a plan along its dependency graph with bounded concurrency. Observes each step, skips
 * those already in sync, applies the rest. On the first failure no new step starts while the
 * running ones finish; an abort or the deadline does the same and marks the rest `skipped`.
 */
import { setMaxListeners } from 'node:events';
import { type GitopsError, isGitopsError, systemError, toGitopsError } from './errors.js';
import { type EventSink, emit, type InfoCode, type StepResult, type WarningCode } from './events.js';
import { DependencyPending, type Plan, type Step, type StepContext, type StepRef } from './plan.js';

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
  /** The output of a finished step, typed by its reference. */
  output<T>(ref: StepRef<T>): T | undefined;
  /** The first failure, which decides the exit code. */
  error?: GitopsError;
}

export async function runPlan(plan: Plan, options: RunOptions): Promise<PlanReport> {
  return await new PlanRun(plan, options).run();
}

/** One run of a plan: the scheduler's state and the bookkeeping of results and outputs. */
class PlanRun {
  private readonly sink: EventSink;
  private readonly concurrency: number;
  private readonly dryRun: boolean;
  private readonly deadline: number;
  private readonly started = Date.now();
  /** Aborted by the caller's signal or by the deadline, so that steps blocked in a wait wake up. */
  private readonly controller = new AbortController();
  private timedOut = false;
  private readonly outputs = new Map<string, unknown>();
  private readonly reports = new Map<string, StepReport>();
  private readonly pending: Set<string>;
  private readonly running = new Map<string, Promise<void>>();
  private firstError: GitopsError | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly options: RunOptions,
  ) {
    this.sink = options.sink;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.dryRun = options.dryRun ?? false;
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.pending = new Set(plan.steps.map((s) => s.id));
    // Every running step's waits listen on this one signal; many at once is expected.
    setMaxListeners(0, this.controller.signal);
  }

  async run(): Promise<PlanReport> {
    const onAbort = () => this.controller.abort(this.options.signal?.reason);
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.options.signal?.aborted) onAbort();
    const timer = Number.isFinite(this.deadline)
      ? setTimeout(
          () => {
            this.timedOut = true;
            this.controller.abort(systemError('GITOPS_TIMEOUT', 'the deadline passed'));
          },
          Math.max(0, this.deadline - Date.now()),
        )
      : undefined;
    emit(this.sink, {
      type: 'plan-started',
      plan: this.plan.name,
      dryRun: this.dryRun,
      steps: this.plan.steps.map((s) => ({ id: s.id, title: s.title, dependsOn: s.dependsOn ?? [] })),
    });
    try {
      await this.schedule();
    } finally {
      if (timer) clearTimeout(timer);
      this.options.signal?.removeEventListener('abort', onAbort);
    }
    return this.report();
  }

  /** Starts every step whose dependencies finished, until nothing runs and nothing can start. */
  private async schedule(): Promise<void> {
    while (this.pending.size > 0 || this.running.size > 0) {
      if (this.firstError === undefined && !this.controller.signal.aborted) this.startReadySteps();
      if (this.running.size === 0) {
        for (const step of this.plan.steps) if (this.pending.delete(step.id)) this.skip(step, undefined);
        return;
      }
      await Promise.race(this.running.values());
    }
  }

  private startReadySteps(): void {
    for (const step of this.plan.steps) {
      if (this.running.size >= this.concurrency) return;
      if (!this.pending.has(step.id)) continue;
      const deps = (step.dependsOn ?? []).map((d) => this.reports.get(d)?.result);
      if (deps.some((r) => r === 'failed' || r === 'skipped')) {
        this.pending.delete(step.id);
        this.skip(step, 'a step it depends on did not finish');
        continue;
      }
      if (deps.some((r) => r === undefined)) continue;
      this.pending.delete(step.id);
      this.running.set(
        step.id,
        this.execute(step).finally(() => this.running.delete(step.id)),
      );
    }
  }

  private async execute(step: Step): Promise<void> {
    const t0 = Date.now();
    const finish = (result: StepResult, summary?: string, error?: GitopsError) =>
      this.finish(step, {
        id: step.id,
        title: step.title,
        result,
        durationMs: Date.now() - t0,
        ...(summary === undefined ? {} : { summary }),
        ...(error === undefined ? {} : { error }),
      });
    emit(this.sink, { type: 'step-started', stepId: step.id, title: step.title });
    const ctx = this.contextFor(step);
    try {
      const observation = await step.observe(ctx);
      this.throwIfAborted();
      if (observation.inSync || this.dryRun) {
        if (observation.output !== undefined) this.outputs.set(step.id, observation.output);
        finish(observation.inSync ? 'unchanged' : 'would-change', observation.summary);
        return;
      }
      const outcome = await step.apply(ctx, observation);
      if (outcome.output !== undefined) this.outputs.set(step.id, outcome.output);
      finish(outcome.result, outcome.summary ?? observation.summary);
    } catch (e) {
      // A dry run cannot observe what a dependency has not made yet (no cluster, no endpoint to
      // ask): the step would change too, after that dependency. Only that is forgiven; a refused
      // permission or a bad value fails the dry run as it would fail the real one.
      if (this.dryRun && e instanceof DependencyPending && !this.controller.signal.aborted) {
        finish('would-change', `after ${e.dependencies.join(', ')}`);
        return;
      }
      const error =
        this.controller.signal.aborted && !isGitopsError(e) ? this.abortReason() : toGitopsError(e);
      this.firstError ??= error;
      finish('failed', undefined, error);
    }
  }

  private contextFor(step: Step): StepContext {
    const pending = (step.dependsOn ?? []).filter((d) => this.reports.get(d)?.result === 'would-change');
    const output = <T>(ref: StepRef<T>) => this.outputs.get(ref.id) as T | undefined;
    return {
      signal: this.controller.signal,
      deadline: this.deadline,
      dryRun: this.dryRun,
      pending,
      sink: this.sink,
      output,
      need: <T>(ref: StepRef<T>): T => {
        if (this.outputs.has(ref.id)) return output(ref) as T;
        // Also an ancestor further up: a step that reads the cluster through the step that
        // installs into it needs the cluster too.
        if (this.dryRun && this.reports.get(ref.id)?.result === 'would-change')
          throw new DependencyPending([ref.id]);
        throw systemError('GITOPS_INTERNAL', `step ${step.id} needs the output of ${ref.id}`);
      },
      progress: (message, elapsedMs) =>
        emit(this.sink, {
          type: 'step-progress',
          stepId: step.id,
          message,
          ...(elapsedMs === undefined ? {} : { elapsedMs }),
        }),
      info: (code: InfoCode, message: string) =>
        emit(this.sink, { type: 'info', stepId: step.id, code, message }),
      warn: (code: WarningCode, message: string) =>
        emit(this.sink, { type: 'warning', stepId: step.id, code, message }),
    };
  }

  private skip(step: Step, summary: string | undefined): void {
    this.finish(step, {
      id: step.id,
      title: step.title,
      result: 'skipped',
      durationMs: 0,
      ...(summary === undefined ? {} : { summary }),
    });
  }

  private finish(step: Step, report: StepReport): void {
    this.reports.set(step.id, report);
    emit(this.sink, {
      type: 'step-finished',
      stepId: step.id,
      title: step.title,
      result: report.result,
      durationMs: report.durationMs,
      ...(report.summary === undefined ? {} : { summary: report.summary }),
      ...(report.error === undefined ? {} : { error: report.error.toJSON() }),
    });
  }

  private throwIfAborted(): void {
    const signal = this.controller.signal;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
  }

  private abortReason(): GitopsError {
    if (this.timedOut)
      return systemError('GITOPS_TIMEOUT', 'the deadline passed before the plan finished', {
        hint: 'raise --timeout, then run the same command again: finished steps are kept',
      });
    const reason: unknown = this.controller.signal.reason;
    if (isGitopsError(reason)) return reason;
    return systemError('GITOPS_ABORTED', 'interrupted', { hint: 'run the same command again to resume' });
  }

  private report(): PlanReport {
    const aborted = this.controller.signal.aborted && !this.timedOut;
    if (!this.firstError && this.controller.signal.aborted) this.firstError = this.abortReason();
    const ok = this.firstError === undefined;
    const durationMs = Date.now() - this.started;
    emit(this.sink, { type: 'plan-finished', plan: this.plan.name, ok, durationMs });
    const outputs = this.outputs;
    return {
      plan: this.plan.name,
      ok,
      dryRun: this.dryRun,
      aborted,
      timedOut: this.timedOut,
      durationMs,
      steps: this.plan.steps.map((s) => this.reports.get(s.id)!),
      output: <T>(ref: StepRef<T>) => outputs.get(ref.id) as T | undefined,
      ...(this.firstError === undefined ? {} : { error: this.firstError }),
    };
  }
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
