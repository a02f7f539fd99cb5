/**
 * Our own waiter for AWS lifecycles. The SDK's waiters poll EKS every 30-120 s (after the third
 * attempt, exactly every 120 s), so a run learns that a cluster is ACTIVE a minute late on
 * average, and the bootstrap's critical path (cluster, then node groups) pays that twice.
 * Here the first polls come fast (a resource that is already there is seen at once) and the
 * interval then grows with the time already waited, 10% of it, capped at 5 s: a resource is
 * seen at most ~5 s (2.5 s on average) after it changes, at the cost of one describe call every
 * 5 s per resource being waited for (about 120 for a 9-minute cluster), far below the rate
 * limits of the describe APIs.
 *
 * Terminal states fail at once with the health issues AWS reports; the deadline and the abort
 * signal are honoured while sleeping; every poll reports its state and the elapsed time.
 */
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { abortError, sleep } from '../../primitives/wait.js';
import type { HealthIssue } from './ports.js';

export interface PollTiming {
  /** Delay after the first (immediate) poll. */
  firstDelayMs: number;
  /** The interval never exceeds this. */
  maxDelayMs: number;
  /** The interval is this fraction of the time already waited (between the two bounds). */
  fraction: number;
  /** +-share of random spread, so concurrent waiters do not poll in lockstep. */
  jitter: number;
}

export const DEFAULT_POLL: PollTiming = {
  firstDelayMs: 1_000,
  maxDelayMs: 5_000,
  fraction: 0.1,
  jitter: 0.1,
};

/** What a waiting step hands in: its StepContext fits. */
export interface WaitContext {
  readonly signal: AbortSignal;
  readonly deadline: number;
  progress(message: string, elapsedMs?: number): void;
}

export interface WaitSpec<T> {
  /** Names the resource in progress lines and errors: "cluster research". */
  what: string;
  /** One describe; `undefined` means the resource does not exist (or no longer exists). */
  poll(): Promise<T | undefined>;
  state(value: T | undefined): string;
  done(value: T | undefined): boolean;
  /** A reason when the state is terminal and not the wanted one. */
  failure?(value: T | undefined): string | undefined;
}

export interface WaitOptions {
  /** Multiplies every delay (tests on the emulator's scaled clock). */
  scale?: number;
  timing?: Partial<PollTiming>;
}

/** The delay before the next poll, given how long we have waited so far. */
export function pollDelay(elapsedMs: number, timing: PollTiming = DEFAULT_POLL, scale = 1): number {
  const base = Math.min(
    timing.maxDelayMs * scale,
    Math.max(timing.firstDelayMs * scale, elapsedMs * timing.fraction),
  );
  const spread = 1 + timing.jitter * (2 * Math.random() - 1);
  return Math.max(1, Math.round(base * spread));
}

/** Polls until `done`; returns the last value seen. */
export async function waitFor<T>(
  ctx: WaitContext,
  spec: WaitSpec<T>,
  options: WaitOptions = {},
): Promise<T | undefined> {
  const timing = { ...DEFAULT_POLL, ...options.timing };
  const scale = options.scale ?? 1;
  const started = Date.now();
  let lastState = 'unknown';
  for (;;) {
    throwIfAborted(ctx.signal);
    const value = await spec.poll();
    const elapsed = Date.now() - started;
    lastState = spec.state(value);
    if (spec.done(value)) return value;
    const reason = spec.failure?.(value);
    if (reason !== undefined) {
      throw systemError('GITOPS_AWS', `${spec.what} is ${lastState}: ${reason}`, {
        hint: 'fix the cause AWS reports, then run the same command again',
      });
    }
    // The elapsed time travels as data; reporters show it (in the message it showed twice).
    ctx.progress(`${spec.what}: ${lastState}`, elapsed);
    const now = Date.now();
    const stillWaiting = () =>
      systemError(
        'GITOPS_TIMEOUT',
        `${spec.what} is still ${lastState} after ${formatElapsed(Date.now() - started)}`,
        {
          hint: 'raise --timeout and run the same command again: it resumes the wait',
        },
      );
    if (now >= ctx.deadline) throw stillWaiting();
    try {
      await sleep(Math.min(pollDelay(elapsed, timing, scale), ctx.deadline - now), ctx.signal);
    } catch (reason) {
      // The run's deadline fired while we slept: say what we were waiting for, and in which state.
      throw isGitopsError(reason) && reason.code === 'GITOPS_TIMEOUT' ? stillWaiting() : reason;
    }
  }
}

export interface RetryOptions {
  /** What is being retried, for the progress line. */
  what: string;
  retryable(e: unknown): boolean;
  scale?: number;
  /** Backoff bounds; defaults 1 s doubling to 15 s. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Repeats `fn` while it fails with a retryable error (DependencyViolation while ENIs drain, IAM
 * roles not yet visible to EKS), backing off until the deadline; then the last error is thrown.
 */
export async function retrying<T>(ctx: WaitContext, options: RetryOptions, fn: () => Promise<T>): Promise<T> {
  const scale = options.scale ?? 1;
  const max = (options.maxDelayMs ?? 15_000) * scale;
  let delay = (options.firstDelayMs ?? 1_000) * scale;
  const started = Date.now();
  let last: unknown;
  // The run's deadline aborts the signal: then say what was still failing, not just "timeout".
  const interrupted = (reason: unknown) =>
    last !== undefined && isGitopsError(reason) && reason.code === 'GITOPS_TIMEOUT'
      ? gaveUp(options.what, last)
      : reason;
  for (;;) {
    if (ctx.signal.aborted) throw interrupted(abortError(ctx.signal));
    try {
      return await fn();
    } catch (e) {
      if (!options.retryable(e)) throw e;
      last = e;
      const now = Date.now();
      if (now + delay > ctx.deadline) throw gaveUp(options.what, e);
      const elapsed = now - started;
      ctx.progress(`${options.what}: waiting for dependencies to clear`, elapsed);
      try {
        await sleep(Math.max(1, Math.round(delay * (0.8 + 0.4 * Math.random()))), ctx.signal);
      } catch (reason) {
        throw interrupted(reason);
      }
      delay = Math.min(max, delay * 2);
    }
  }
}

function gaveUp(what: string, last: unknown) {
  const reason = last instanceof Error ? last.message : String(last);
  return systemError('GITOPS_TIMEOUT', `${what}: still failing when the deadline passed: ${reason}`, {
    hint: 'remove what AWS says is in the way (or raise --timeout), then run the same command again',
    cause: last,
  });
}

/** "AWS says: code: message; code: message" from health issues, or a fallback. */
export function describeIssues(issues: readonly HealthIssue[], fallback = 'AWS gave no reason'): string {
  if (issues.length === 0) return fallback;
  return issues.map((i) => (i.message ? `${i.code}: ${i.message}` : i.code)).join('; ');
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : systemError('GITOPS_ABORTED', 'interrupted');
}
