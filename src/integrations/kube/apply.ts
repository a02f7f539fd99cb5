/**
 * The apply engine: server-side apply of a set of objects, in the order the API needs.
 *   1. Namespaces and CustomResourceDefinitions;
 *   2. everything else, with bounded concurrency (the server handles requests in parallel;
 *      one at a time would leave most of it idle), except custom objects of those CRDs, which
 *      wait until their CRD is Established (the API server refuses a kind it does not serve
 *      yet). The call returns once every CRD of the set is Established.
 * Each object is reported created / configured / unchanged by comparing its resourceVersion
 * before and after (and, when that moved, whether content did: see targets.ts). `force` takes fields from other managers only on objects we own already (or
 * create): on someone else's object a conflict is reported instead of silently taken over.
 */
import type { GitopsError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { ApplyError, type ApplyFailure, describeApplyError } from './apply-errors.js';
import { FIELD_MANAGER, type KubeClient } from './client.js';
import { waitEstablished } from './crd-wait.js';
import { applyIsNoop } from './noop.js';
import { resourcesOfCrd } from './discovery.js';
import { describeRef, groupOf, type KubeObject, type ObjectRef } from './object.js';
import { settleLimit } from '../../primitives/pool.js';
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
  // Custom objects of a CRD in this set must wait until it is Established; nothing else has
  // to, so the rest is applied while the API server sets the CRDs up.
  const definedHere = new Set(
    first.filter(isCrd).flatMap((crd) => resourcesOfCrd(crd).map((r) => `${r.group}/${r.kind}`)),
  );
  const dependent = rest.filter((o) => definedHere.has(`${groupOf(o.apiVersion)}/${o.kind}`));
  const independent = rest.filter((o) => !definedHere.has(`${groupOf(o.apiVersion)}/${o.kind}`));
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
    // Both branches run to the end even if one fails, so that results stay complete.
    const settled = await Promise.allSettled([
      phase(independent),
      (async () => {
        await waitEstablished(client, crds, {
          deadline: options.deadline ?? Date.now() + 60_000,
          ...(options.signal ? { signal: options.signal } : {}),
          onSlow: (n) => report(options, `waiting for ${n} CRD(s) to be Established`),
        });
        await phase(dependent);
      })(),
    ]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
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
  // Provably nothing to change: save the request (and the server's work).
  if (before?.full && applyIsNoop(target.obj, before.full, manager, target.info.statusSubresource)) {
    return { ref: target.ref, action: 'unchanged', resourceVersion: before.resourceVersion };
  }
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

function report(options: ApplyOptions, message: string): void {
  if (!options.sink) return;
  if (options.stepId !== undefined)
    emit(options.sink, { type: 'step-progress', stepId: options.stepId, message });
  else emit(options.sink, { type: 'info', code: 'GITOPS_APPLY', message });
}
