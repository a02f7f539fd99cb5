/**
 * Moving objects from the flux-system Kustomization to the layer Kustomizations without Flux
 * deleting them in between (gitops migrate). When the root's new revision no longer has them, its
 * garbage collection deletes every object of its old inventory that still carries its labels,
 * before the layers have applied and relabelled them: a Namespace deleted takes its volumes with
 * it. Flux skips objects annotated `kustomize.toolkit.fluxcd.io/prune: disabled` (its GC checks
 * the live object), so before the push each is annotated under a field manager of gitops's own,
 * which kustomize-controller's applies leave alone; once the layers have applied the revision,
 * applying nothing under that manager removes the annotation again.
 */
import type { KubeClient } from '../../kube/client.js';
import type { ObjectRef } from '../../kube/object.js';
import { fluxInventory, rootInventory } from './cluster-state.js';

const MANAGER = 'gitops-migrate';
const PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/** Annotates what the root sync applied; returns how many objects. */
export async function protectFromPrune(client: KubeClient, signal?: AbortSignal): Promise<number> {
  return await each(client, await rootInventory(client, signal), { [PRUNE]: 'disabled' }, signal);
}

/** Takes gitops's annotation off everything the syncs applied; returns how many objects. */
export async function releaseProtection(client: KubeClient, signal?: AbortSignal): Promise<number> {
  return await each(client, await fluxInventory(client, signal), undefined, signal);
}

async function each(
  client: KubeClient,
  refs: readonly ObjectRef[],
  annotations: Record<string, string> | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  let n = 0;
  for (const ref of refs) {
    const info = await client.discovery.find(ref.apiVersion, ref.kind);
    // Only objects that exist: an apply of bare metadata would create one that does not.
    if (!info || !(await client.get(ref, signal))) continue;
    await client.applyRaw(
      info,
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          ...(ref.namespace ? { namespace: ref.namespace } : {}),
          ...(annotations ? { annotations } : {}),
        },
      },
      { fieldManager: MANAGER, force: true, ...(signal ? { signal } : {}) },
    );
    n++;
  }
  return n;
}
