/**
 * `gitops diff`: drift between the fleet repo and the cluster. The desired objects are what the
 * sync Kustomization's path builds to at the branch head; each is compared with the cluster by a
 * server-side dry-run apply (so defaults and admission are taken into account); objects Flux
 * applied before (its inventory) that Git no longer has are reported as orphaned.
 */
import { buildKustomization } from '../integrations/kustomize/build.js';
import { checkoutFleet } from '../integrations/git/checkout.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { diffObjects } from '../integrations/kube/diff.js';
import { describeRef, field, type KubeObject, type ObjectRef, refKey, refOf } from '../integrations/kube/object.js';
import { FLUX_NAMESPACE, GIT_REPOSITORY_API, KUSTOMIZATION_API } from '../integrations/reconciler/flux/sync.js';
import { inventoryRefs } from './bootstrap/steps.js';
import { systemError } from '../primitives/errors.js';

export interface DriftEntry {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  state: 'missing' | 'differs' | 'orphaned';
  fields?: string[];
  error?: string;
}

export interface DiffDocument {
  inSync: boolean;
  fleet: { url: string; branch: string; path: string; revision: string };
  compared: number;
  drift: DriftEntry[];
  /** Objects whose API the cluster does not serve: not compared, and said so. */
  skipped: { ref: string; reason: string }[];
}

export async function clusterDiff(client: KubeClient, signal?: AbortSignal): Promise<DiffDocument> {
  const source = await client.get(
    {
      apiVersion: GIT_REPOSITORY_API,
      kind: 'GitRepository',
      name: FLUX_NAMESPACE,
      namespace: FLUX_NAMESPACE,
    },
    signal,
  );
  const sync = await client.get(
    { apiVersion: KUSTOMIZATION_API, kind: 'Kustomization', name: FLUX_NAMESPACE, namespace: FLUX_NAMESPACE },
    signal,
  );
  if (!source || !sync) {
    throw systemError(
      'GITOPS_RECONCILER',
      'the cluster has no flux-system GitRepository/Kustomization to compare with',
      {
        hint: 'run gitops bootstrap first',
      },
    );
  }
  const url = String(field(source, 'spec', 'url') ?? '');
  const branch = String(field(source, 'spec', 'ref', 'branch') ?? 'main');
  const path = String(field(sync, 'spec', 'path') ?? './');
  const checkout = await checkoutFleet(url, branch, signal);
  try {
    const built = await buildKustomization(checkout.dir, path);
    const comparable: KubeObject[] = [];
    const skipped: DiffDocument['skipped'] = [];
    for (const raw of built.objects) {
      const obj = withFluxLabels(raw);
      const info =
        (await client.discovery.find(obj.apiVersion, obj.kind)) ??
        (await client.discovery.find(obj.apiVersion, obj.kind, true));
      // Flux puts namespaced objects that name none into the default namespace.
      if (info)
        comparable.push(
          info.namespaced && !obj.metadata.namespace
            ? { ...obj, metadata: { ...obj.metadata, namespace: 'default' } }
            : obj,
        );
      else
        skipped.push({
          ref: describeRef(refOf(obj)),
          reason: `${obj.apiVersion} is not served by the cluster`,
        });
    }
    // Compare as the reconciler's field manager would see it: Flux's own fields are not drift.
    const drifts = await diffObjects(client, comparable, {
      fieldManager: 'kustomize-controller',
      ...(signal ? { signal } : {}),
    });
    const drift: DriftEntry[] = drifts
      .filter((d) => d.state !== 'in-sync')
      .map((d) => ({
        ...entry(d.ref),
        state: d.state as 'missing' | 'differs',
        ...(d.fields ? { fields: d.fields } : {}),
        ...(d.error ? { error: d.error } : {}),
      }));
    const wanted = new Set([...comparable, ...built.objects].map((o) => refKey(refOf(o))));
    for (const ref of inventoryRefs(sync)) {
      if (!wanted.has(refKey(ref)) && (await client.get(ref, signal).catch(() => undefined)))
        drift.push({ ...entry(ref), state: 'orphaned' });
    }
    return {
      inSync: drift.length === 0,
      fleet: { url, branch, path, revision: checkout.revision },
      compared: comparable.length,
      drift,
      skipped,
    };
  } finally {
    await checkout.remove();
  }
}

function entry(ref: ObjectRef): Omit<DriftEntry, 'state'> {
  return {
    kind: ref.kind,
    apiVersion: ref.apiVersion,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
  };
}

/** Flux labels every object it applies with the Kustomization that owns it; so do we, to compare. */
function withFluxLabels(obj: KubeObject): KubeObject {
  const labels = {
    ...(obj.metadata.labels ?? {}),
    'kustomize.toolkit.fluxcd.io/name': FLUX_NAMESPACE,
    'kustomize.toolkit.fluxcd.io/namespace': FLUX_NAMESPACE,
  };
  return { ...obj, metadata: { ...obj.metadata, labels } };
}
