/**
 * The layers of a profile, applied in this order, each after the one before is ready:
 *   controllers  what brings CRDs and operators (HelmRepositories, HelmReleases, namespaces)
 *   configs      objects of those CRDs and cluster settings (issuers, storage classes, monitors)
 *   apps         workloads (Deployments, canaries, releases of applications)
 * A profile keeps each layer in a folder of that name with a kustomization.yaml. A profile
 * written before layers existed has one `manifests/` folder; it is read as its `apps` layer, so
 * it renders as before and the layer check says what would not converge.
 */
export const LAYERS = ['controllers', 'configs', 'apps'] as const;
export type LayerName = (typeof LAYERS)[number];

/** The single manifests folder of a profile written before layers. */
export const LEGACY_DIR = 'manifests';

export function isLayer(name: string): name is LayerName {
  return (LAYERS as readonly string[]).includes(name);
}

/** The layer a profile file belongs to and its path inside that layer's folder. */
export function layerOfFile(path: string): { layer: LayerName; dir: string; rel: string } | undefined {
  const slash = path.indexOf('/');
  if (slash < 0) return undefined;
  const dir = path.slice(0, slash);
  const rel = path.slice(slash + 1);
  if (isLayer(dir)) return { layer: dir, dir, rel };
  if (dir === LEGACY_DIR) return { layer: 'apps', dir, rel };
  return undefined;
}

/** Index of a layer in apply order (controllers 0). */
export function layerIndex(layer: LayerName): number {
  return LAYERS.indexOf(layer);
}
