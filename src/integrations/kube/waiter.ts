/**
 * Waits until a set of objects is ready (see readiness.ts), re-reading the ones that are not
 * yet every `intervalMs`. Progress is reported when what we wait for changes, so a reporter
 * shows "waiting for Kustomization flux-system/flux-system: Ready=False: ..." instead of a
 * silent spinner. At the deadline the error names every object still not ready and why; an
 * object that reports a terminal failure (Stalled) ends the wait at once.
 */
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { sleep } from '../../primitives/wait.js';
import type { KubeClient } from './client.js';
import { describeRef, type ObjectRef } from './object.js';
import { mapLimit } from '../../primitives/pool.js';
import { type Readiness, type ReadinessExpectation, readinessOf } from './readiness.js';

export interface WaitTarget extends ReadinessExpectation {
  ref: ObjectRef;
}

export interface WaitOptions {
  /** Epoch ms. */
  deadline: number;
  intervalMs?: number;
  signal?: AbortSignal;
  sink?: EventSink;
  stepId?: string;
}

export interface TargetState {
  ref: ObjectRef;
  state: Readiness;
}

export async function waitForReady(
  client: KubeClient,
  targets: readonly WaitTarget[],
  options: WaitOptions,
): Promise<TargetState[]> {
  const started = Date.now();
  let lastSummary = '';
  const timeout = () =>
    systemError(
      'GITOPS_TIMEOUT',
      `timed out after ${Math.round((Date.now() - started) / 1000)}s waiting for ${lastSummary || 'objects to be ready'}`,
      { hint: 'raise --timeout, or look at why these objects are not ready' },
    );
  try {
    return await poll(
      client,
      targets,
      options,
      (summary) => {
        lastSummary = summary;
      },
      timeout,
    );
  } catch (e) {
    // A plan's deadline aborts the signal at the same moment our own deadline passes; either
    // way the error says what was not ready.
    const reason: unknown = options.signal?.reason;
    if (options.signal?.aborted && isGitopsError(reason) && reason.code === 'GITOPS_TIMEOUT') throw timeout();
    throw e;
  }
}

async function poll(
  client: KubeClient,
  targets: readonly WaitTarget[],
  options: WaitOptions,
  onSummary: (summary: string) => void,
  timeout: () => Error,
): Promise<TargetState[]> {
  const interval = options.intervalMs ?? 1000;
  const started = Date.now();
  const done = new Map<WaitTarget, TargetState>();
  let pending = [...targets];
  let lastSummary = '';
  for (;;) {
    const states = await mapLimit(pending, 8, async (t): Promise<[WaitTarget, TargetState]> => {
      const live = await client.get(t.ref, options.signal);
      const state: Readiness = live ? readinessOf(live, t) : { ready: false, reason: 'not found' };
      return [t, { ref: t.ref, state }];
    });
    const failed = states.find(([, s]) => s.state.failed);
    if (failed) {
      throw systemError(
        'GITOPS_RECONCILER',
        `${describeRef(failed[1].ref)} failed: ${failed[1].state.reason}`,
        {
          hint: 'this will not fix itself by waiting; look at the object and its controller',
        },
      );
    }
    for (const [t, s] of states) if (s.state.ready) done.set(t, s);
    pending = states.filter(([, s]) => !s.state.ready).map(([t]) => t);
    if (pending.length === 0) break;

    const waiting = states.filter(([, s]) => !s.state.ready).map(([, s]) => s);
    const summary = describeWaiting(waiting);
    if (summary !== lastSummary) {
      lastSummary = summary;
      onSummary(summary);
      report(options, `waiting for ${summary}`, Date.now() - started);
    }
    const left = options.deadline - Date.now();
    if (left <= 0) throw timeout();
    await sleep(Math.min(interval, left), options.signal);
  }
  return targets.map((t) => done.get(t)!);
}

/** "2 objects: Deployment a/b (0/1 available); Kustomization c/d (Ready=False: ...)" */
export function describeWaiting(states: readonly TargetState[]): string {
  const items = states.map((s) => `${describeRef(s.ref)} (${s.state.reason})`);
  return states.length === 1 ? items[0]! : `${states.length} objects: ${items.join('; ')}`;
}

function report(options: WaitOptions, message: string, elapsedMs: number): void {
  if (!options.sink) return;
  if (options.stepId !== undefined) {
    emit(options.sink, { type: 'step-progress', stepId: options.stepId, message, elapsedMs });
  } else {
    emit(options.sink, { type: 'info', code: 'GITOPS_WAIT', message });
  }
}
