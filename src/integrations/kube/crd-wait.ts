/**
 * Waits until freshly applied CRDs are Established. Reading a CRD is expensive for the API
 * server (its schema makes it large), and asking ten of them every few milliseconds competes
 * with the applies running meanwhile. So the wait watches the cheap signal first, the CRD's
 * group-version in discovery (small, and the API server lists a custom kind there once it
 * serves it), and reads a CRD only when its kind showed up, or now and then regardless, to
 * confirm the Established condition itself.
 */
import { systemError } from '../../primitives/errors.js';
import { sleep } from '../../primitives/wait.js';
import type { KubeClient } from './client.js';
import { resourcesOfCrd } from './discovery.js';
import { describeRef } from './object.js';
import { readinessOf } from './readiness.js';
import type { Target } from './targets.js';

export interface CrdWaitOptions {
  /** Epoch ms. */
  deadline: number;
  signal?: AbortSignal;
  /** Called once if the wait takes a while, with the number still pending. */
  onSlow?: (pending: number) => void;
}

export async function waitEstablished(
  client: KubeClient,
  crds: readonly Target[],
  options: CrdWaitOptions,
): Promise<void> {
  let pending = [...crds];
  let delay = 40;
  let round = 0;
  const started = Date.now();
  let announced = false;
  while (pending.length > 0) {
    round++;
    const served = await servedKinds(client, pending);
    const check = round % 5 === 0 ? pending : pending.filter((t) => served.has(t.key));
    const states = await Promise.all(
      check.map(async (t) => {
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
    const established = new Set(states.filter((s) => s.state.ready).map((s) => s.t.key));
    pending = pending.filter((t) => !established.has(t.key));
    if (pending.length === 0) return;
    if (Date.now() >= options.deadline) {
      throw systemError(
        'GITOPS_TIMEOUT',
        `timed out waiting for ${pending.length} CRD(s) to be Established: ${pending.map((t) => t.ref.name).join(', ')}`,
      );
    }
    if (!announced && Date.now() - started > 2000) {
      options.onSlow?.(pending.length);
      announced = true;
    }
    await sleep(Math.min(delay, Math.max(0, options.deadline - Date.now())), options.signal);
    delay = Math.min(delay * 2, 300);
  }
}

/** Keys of the CRDs whose kind the API server lists in discovery now (one request per group-version). */
async function servedKinds(client: KubeClient, crds: readonly Target[]): Promise<Set<string>> {
  const byGroupVersion = new Map<string, { kind: string; key: string }[]>();
  for (const t of crds) {
    const info = resourcesOfCrd(t.obj)[0];
    if (!info) continue;
    const gv = `${info.group}/${info.version}`;
    byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), { kind: info.kind, key: t.key }]);
  }
  const out = new Set<string>();
  await Promise.all(
    [...byGroupVersion].map(async ([gv, wanted]) => {
      const kinds = await client.discovery.groupVersion(gv, true);
      for (const w of wanted) if (kinds.has(w.kind)) out.add(w.key);
    }),
  );
  return out;
}
