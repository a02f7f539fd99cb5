// Resources move through AWS's lifecycles on a scaled clock. Nothing runs in the background:
// each resource keeps the timestamps of its transitions and its state is computed when read,
// so there are no timers to leak and the result does not depend on event-loop load.

/** How long AWS really takes (ms), before scaling. Figures are typical observed times. */
export const AWS_DURATIONS_MS = {
  clusterCreate: 9 * 60_000,
  clusterDelete: 5 * 60_000,
  clusterUpdate: 3 * 60_000,
  nodegroupCreate: 4 * 60_000,
  nodegroupDelete: 4 * 60_000,
  nodegroupUpdate: 2 * 60_000,
  addonCreate: 60_000,
  addonDelete: 30_000,
  addonUpdate: 60_000,
  natCreate: 2 * 60_000,
  natDelete: 60_000,
  /** A deleted NAT gateway stays visible (state 'deleted') for about an hour. */
  natDeletedRetention: 60 * 60_000,
} as const;

export type DurationName = keyof typeof AWS_DURATIONS_MS;

export class ScaledClock {
  /** Real time the clock was paused at, while paused. */
  private pausedAt: number | undefined;
  /** Total real time spent paused: emulated time runs this far behind real time. */
  private offset = 0;

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Emulated time in epoch ms; equal to real time unless the clock has been paused. */
  now(): number {
    return (this.pausedAt ?? Date.now()) - this.offset;
  }

  /** Freeze every lifecycle where it is (tests use this to observe in-between states). */
  pause(): void {
    this.pausedAt ??= Date.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.offset += Date.now() - this.pausedAt;
    this.pausedAt = undefined;
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  /** The instant a step of the given kind started now will end. */
  after(duration: DurationName, from = this.now()): number {
    return from + Math.round(AWS_DURATIONS_MS[duration] * this.timeScale);
  }
}

export interface Failure {
  /** Terminal status the resource ends creation in, e.g. 'CREATE_FAILED'. */
  status: string;
  code: string;
  message: string;
}

export interface Lifecycle {
  createdAt: number;
  readyAt: number;
  /** Set when creation ends in a failure instead of becoming ready. */
  failure?: Failure;
  updatingUntil?: number;
  deletingSince?: number;
  goneAt?: number;
}

export type Phase = 'creating' | 'ready' | 'failed' | 'updating' | 'deleting' | 'gone';

export function newLifecycle(clock: ScaledClock, create: DurationName): Lifecycle {
  const now = clock.now();
  return { createdAt: now, readyAt: clock.after(create, now) };
}

export function phaseOf(l: Lifecycle, now: number): Phase {
  if (l.goneAt !== undefined && now >= l.goneAt) return 'gone';
  if (l.deletingSince !== undefined) return 'deleting';
  if (now < l.readyAt) return 'creating';
  if (l.failure) return 'failed';
  if (l.updatingUntil !== undefined && now < l.updatingUntil) return 'updating';
  return 'ready';
}

export function startDelete(l: Lifecycle, clock: ScaledClock, duration: DurationName): void {
  if (l.deletingSince !== undefined) return;
  const now = clock.now();
  l.deletingSince = now;
  l.goneAt = clock.after(duration, now);
}

/** Last time the resource changed state, for `modifiedAt`-style fields. */
export function modifiedAt(l: Lifecycle, now: number): number {
  const marks = [l.createdAt, l.readyAt, l.updatingUntil ?? 0, l.deletingSince ?? 0].filter((t) => t <= now);
  return Math.max(...marks);
}
