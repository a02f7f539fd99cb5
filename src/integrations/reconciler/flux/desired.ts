/**
 * What Flux would apply for a cluster, from a checkout of the fleet repository: the cluster
 * folder as the flux-system Kustomization builds it, then every Kustomization found there (the
 * layers, and any a team adds) that reads the same GitRepository, each built from its own path
 * with its post-build substitution and labelled with its name, as kustomize-controller does.
 */
import { buildKustomization } from '../../kustomize/build.js';
import { field, type KubeObject } from '../../kube/object.js';
import type { DesiredState } from '../reconciler.js';
import { postBuildVariables, substituteObject } from './postbuild.js';
import { FLUX_NAMESPACE } from './sync.js';

/** kustomize-controller's field manager: fields it owns are not drift. */
export const APPLY_MANAGER = 'kustomize-controller';

export async function fluxDesired(checkoutDir: string, path: string): Promise<DesiredState> {
  const root = await buildKustomization(checkoutDir, path);
  const objects = root.objects.map((o) => labelled(o, FLUX_NAMESPACE, FLUX_NAMESPACE));
  const queue = root.objects.filter(followed);
  // The root sync is among what it applies (flux-system/gotk-sync.yaml): it is built above.
  const seen = new Set<string>([`${FLUX_NAMESPACE}/${FLUX_NAMESPACE}`]);
  for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
    const name = k.metadata.name ?? '';
    const namespace = k.metadata.namespace ?? FLUX_NAMESPACE;
    if (seen.has(`${namespace}/${name}`)) continue;
    seen.add(`${namespace}/${name}`);
    const built = await buildKustomization(checkoutDir, String(field(k, 'spec', 'path') ?? './'));
    const vars = postBuildVariables(k, objects);
    for (const o of built.objects) {
      objects.push(labelled(vars ? substituteObject(o, vars) : o, name, namespace));
      if (followed(o)) queue.push(o);
    }
  }
  return { objects, fieldManager: APPLY_MANAGER, defaultNamespace: 'default' };
}

/** A Flux Kustomization reading the cluster's own GitRepository (flux-system/flux-system). */
export function followed(o: KubeObject): boolean {
  if (o.kind !== 'Kustomization' || !o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) return false;
  const ns = o.metadata.namespace ?? FLUX_NAMESPACE;
  return (
    field(o, 'spec', 'sourceRef', 'kind') === 'GitRepository' &&
    field(o, 'spec', 'sourceRef', 'name') === FLUX_NAMESPACE &&
    (field(o, 'spec', 'sourceRef', 'namespace') ?? ns) === FLUX_NAMESPACE
  );
}

/** Flux labels every object it applies with the Kustomization that owns it. */
function labelled(obj: KubeObject, name: string, namespace: string): KubeObject {
  const labels = {
    ...(obj.metadata.labels ?? {}),
    'kustomize.toolkit.fluxcd.io/name': name,
    'kustomize.toolkit.fluxcd.io/namespace': namespace,
  };
  return { ...obj, metadata: { ...obj.metadata, labels } };
}
