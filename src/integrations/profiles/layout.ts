/**
 * Where things go in the fleet repository, and who owns them.
 *
 *   profiles/<name>/<version>/           tool: one profile version, written once per repository
 *     source.yaml                          and shared by every cluster on it: where it came from,
 *     controllers/ configs/ apps/          its digest; its layer folders as the profile ships them
 *   clusters/<cluster>/
 *     cluster.yaml                       tool: the effective cluster spec
 *     kustomization.yaml, flux-system/   tool: the reconciler's own files, and its layer syncs and
 *     values.yaml, layers.yaml             the cluster's values (written by the reconciler)
 *     <layer>/kustomization.yaml         team: written once; points into profiles/, takes patches
 *     templates/<profile>/...            team: written once; files to copy elsewhere (CI)
 *
 * Tool-owned files are regenerated on every bootstrap. Team-owned files are never overwritten;
 * the one thing gitops changes in them is which profile version an overlay points at (the
 * `resources` entries into profiles/, see overlay.ts).
 */
import { posix } from 'node:path';
import type { LayerName } from './layers.js';

export const PROFILES_ROOT = 'profiles';
/** The record of a shared profile version, beside its layer folders. */
export const SHARED_RECORD = 'source.yaml';
export const CLUSTER_SPEC_FILE = 'cluster.yaml';
export const TEMPLATES_DIR = 'templates';

/** A profile version's folder in the fleet repository. */
export function sharedFolder(name: string, version: string): string {
  return `${PROFILES_ROOT}/${name}/${version}`;
}

/** A layer's team overlay, relative to the cluster folder. */
export function overlayFile(layer: LayerName): string {
  return `${layer}/kustomization.yaml`;
}

/** How an overlay in `<clusterPath>/<layer>` names a folder of the repository. */
export function fromOverlay(clusterPath: string, layer: LayerName, target: string): string {
  return posix.relative(`${clusterPath}/${layer}`, target);
}

/** The repository path an overlay entry resolves to (`..` folded), or undefined when it leaves it. */
export function resolveFromOverlay(clusterPath: string, layer: LayerName, entry: string): string | undefined {
  if (posix.isAbsolute(entry) || /^[a-z][a-z0-9+.-]*:/i.test(entry)) return undefined;
  const joined = posix.normalize(`${clusterPath}/${layer}/${entry}`).replace(/\/+$/, '');
  return joined.startsWith('../') || joined === '..' ? undefined : joined;
}

/**
 * The files by which a cluster folder written by gitops before layers is recognised: a full
 * copy of the profile under profile/, with its source record.
 */
export const OLD_LAYOUT_MARKERS = ['profile/source.yaml', 'profile/kustomization.yaml'] as const;
