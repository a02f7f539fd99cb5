/**
 * Typed events the core emits while it works. The core never prints: the CLI picks a reporter
 * (spinner, plain lines, JSON) and hands it in as the sink. Every event has a `type` that scripts
 * can match on and a timestamp.
 */
export type StepResult =
  | 'created'
  | 'updated'
  | 'deleted'
  | 'unchanged'
  /** dry-run: observe() said the step would change something */
  | 'would-change'
  | 'failed'
  /** not started because an earlier step failed, the run was aborted or the deadline passed */
  | 'skipped';

export interface StepInfo {
  id: string;
  title: string;
  dependsOn: readonly string[];
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export type GitopsEvent =
  | { type: 'plan-started'; at: number; plan: string; dryRun: boolean; steps: readonly StepInfo[] }
  | { type: 'step-started'; at: number; stepId: string; title: string }
  | { type: 'step-progress'; at: number; stepId: string; message: string; elapsedMs?: number }
  | {
      type: 'step-finished';
      at: number;
      stepId: string;
      title: string;
      result: StepResult;
      durationMs: number;
      summary?: string;
      error?: ErrorInfo;
    }
  | { type: 'plan-finished'; at: number; plan: string; ok: boolean; durationMs: number }
  | { type: 'info'; at: number; message: string; stepId?: string }
  | { type: 'warning'; at: number; code: string; message: string; stepId?: string };

/** Distributes Omit over the union so callers can build any event without `at`. */
export type EventInput = GitopsEvent extends infer E
  ? E extends GitopsEvent
    ? Omit<E, 'at'>
    : never
  : never;

export interface EventSink {
  emit(event: GitopsEvent): void;
}

export const nullSink: EventSink = { emit() {} };

/** Adds the timestamp; the one place events are stamped. */
export function emit(sink: EventSink, event: EventInput): void {
  sink.emit({ ...event, at: Date.now() } as GitopsEvent);
}

/** A sink that keeps every event, for tests and for building reports. */
export class RecordingSink implements EventSink {
  readonly events: GitopsEvent[] = [];
  emit(event: GitopsEvent): void {
    this.events.push(event);
  }
  ofType<T extends GitopsEvent['type']>(type: T): Extract<GitopsEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<GitopsEvent, { type: T }> => e.type === type);
  }
}

/** Sends each event to several sinks (reporter + report builder). */
export function teeSink(...sinks: EventSink[]): EventSink {
  return {
    emit: (e) => {
      for (const s of sinks) s.emit(e);
    },
  };
}
