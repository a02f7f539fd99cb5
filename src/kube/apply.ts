/**
 * The apply engine: server-side apply of a set of objects, in the order the API needs.
 *   1. Namespaces and CustomResourceDefinitions, then wait until each CRD is Established
 *      (the API server refuses custom objects of a kind it does not serve yet);
 *   2. everything else, with bounded concurrency (the server handles requests in parallel;
 *      one at a time would leave most of it idle).
 * Each object is reported created / configured / unchanged by comparing its resourceVersion
 * before and after (and, when that moved, whether content did: see targets.ts). `force` takes fields from other managers only on objects we own already (or
 * create): on someone else's object a conflict is reported instead of silently taken over.
 */
import { type GitopsError, systemError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { sleep } from '../core/wait.js';
import { ApplyError, type ApplyFailure, describeApplyError } from './apply-errors.js';
import { FIELD_MANAGER, type KubeClient } from './client.js';
import { describeRef, type KubeObject, type ObjectRef } from './object.js';
import { settleLimit } from './pool.js';
import { readinessOf } from './readiness.js';
import {
  contentChanged,
  isCrd,
  isNamespace,
  type LiveMeta,
  readLive,
  resolveTargets,
  type Target,
  teachCrds,
} from './targets.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  ref: ObjectRef;
  action: ApplyAction;
  resourceVersion: string;
}

export interface ApplyReport {
  objects: AppliedObject[];
  created: number;
  configured: number;
  unchanged: number;
  durationMs: number;
}

export interface ApplyOptions {
  fieldManager?: string;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** 'owned' (default): force on objects we manage or create; 'always'; 'never'. */
  force?: 'owned' | 'always' | 'never';
  /** Namespace for namespaced objects that name none (default: the context's, else "default"). */
  defaultNamespace?: string;
  /** Epoch ms by which CRDs must be Established (default: 60 s from now). */
  deadline?: number;
  signal?: AbortSignal;
  sink?: EventSink;
  /** When set, progress goes out as step-progress events of this step; otherwise as info. */
  stepId?: string;
}

export async function applyObjects(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const started = Date.now();
  const first = objects.filter((o) => isNamespace(o) || isCrd(o));
  const rest = objects.filter((o) => !isNamespace(o) && !isCrd(o));
  teachCrds(client, objects);
  const defaultNamespace = options.defaultNamespace ?? client.namespace ?? 'default';

  const results: AppliedObject[] = [];
  const failures: ApplyFailure[] = [];
  let firstError: GitopsError | undefined;

  const phase = async (set: readonly KubeObject[]) => {
    if (set.length === 0) return [];
    const targets = await resolveTargets(client, set, defaultNamespace);
    const live = await readLive(client, targets);
    const outcomes = await settleLimit(targets, options.concurrency ?? 8, (t) =>
      applyTarget(client, t, live.get(t.key), options),
    );
    const applied: Target[] = [];
    outcomes.forEach((o, i) => {
      const target = targets[i]!;
      if (o.ok) {
        results.push(o.value);
        applied.push(target);
        if (o.value.action !== 'unchanged') report(options, `${o.value.action} ${describeRef(o.value.ref)}`);
      } else {
        const { error, failure } = describeApplyError(o.error, target.ref);
        failures.push(failure);
        firstError ??= error;
      }
    });
    return applied;
  };

  const appliedFirst = await phase(first);
  if (failures.length === 0) {
    const crds = appliedFirst.filter((t) => isCrd(t.obj));
    await waitEstablished(client, crds, options);
    await phase(rest);
  }
  if (firstError) throw new ApplyError(failures, firstError);

  const count = (a: ApplyAction) => results.filter((r) => r.action === a).length;
  return {
    objects: results,
    created: count('created'),
    configured: count('configured'),
    unchanged: count('unchanged'),
    durationMs: Date.now() - started,
  };
}

async function applyTarget(
  client: KubeClient,
  target: Target,
  before: LiveMeta | undefined,
  options: ApplyOptions,
): Promise<AppliedObject> {
  const manager = options.fieldManager ?? FIELD_MANAGER;
  const policy = options.force ?? 'owned';
  const force = policy === 'always' || (policy === 'owned' && (!before || before.managers.includes(manager)));
  const { status, object } = await client.applyRaw(target.info, target.obj, {
    fieldManager: manager,
    force,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const resourceVersion = object.metadata?.resourceVersion ?? '';
  const action: ApplyAction =
    status === 201 || !before ? 'created' : contentChanged(before, object) ? 'configured' : 'unchanged';
  return { ref: target.ref, action, resourceVersion };
}

/** Polls the CRDs just applied until the API server serves them. */
async function waitEstablished(
  client: KubeClient,
  crds: readonly Target[],
  options: ApplyOptions,
): Promise<void> {
  if (crds.length === 0) return;
  const deadline = options.deadline ?? Date.now() + 60_000;
  let pending = [...crds];
  let delay = 25;
  let announced = false;
  while (pending.length > 0) {
    const states = await Promise.all(
      pending.map(async (t) => {
        const live = await client.get(t.ref, options.signal);
        return { t, state: live ? readinessOf(live) : { ready: false, reason: 'not found' } };
      }),
    );
    const failed = states.find((s) => s.state.failed);
    if (failed) {
      throw systemError(
        'GITOPS_KUBE',
        `${describeRef(failed.t.ref)} cannot be served: ${failed.state.reason}`,
      );
    }
    pending = states.filter((s) => !s.state.ready).map((s) => s.t);
    if (pending.length === 0) break;
    if (Date.now() >= deadline) {
      throw systemError(
        'GITOPS_TIMEOUT',
        `timed out waiting for ${pending.length} CRD(s) to be Established: ${pending.map((t) => t.ref.name).join(', ')}`,
      );
    }
    if (!announced && delay >= 100) {
      report(options, `waiting for ${pending.length} CRD(s) to be Established`);
      announced = true;
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), options.signal);
    delay = Math.min(delay * 2, 500);
  }
}

function report(options: ApplyOptions, message: string): void {
  if (!options.sink) return;
  if (options.stepId !== undefined)
    emit(options.sink, { type: 'step-progress', stepId: options.stepId, message });
  else emit(options.sink, { type: 'info', message });
}
