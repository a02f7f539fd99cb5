/**
 * The check that makes a profile converge in one pass on a fresh cluster: Flux dry-runs a whole
 * Kustomization before applying any of it, and one object of a kind the cluster does not serve
 * yet fails all of it. So every object must use a kind that exists before its layer is applied:
 *   - Kubernetes' own, at the cluster's version;
 *   - the reconciler's (the CRDs its install manifests define);
 *   - the compute mode's: EKS Auto Mode serves its NodePool, NodeClass and IngressClassParams;
 *   - one an earlier layer brings: a CustomResourceDefinition object there, or a component whose
 *     profile.yaml entry says which CRDs (group and kinds) its HelmRelease installs.
 * A CRD in the same layer does not count: its kinds would exist only part-way through that
 * layer. Render runs this before anything is pushed; a refusal names the object, its kind and
 * its layer.
 */
import { userError } from '../../primitives/errors.js';
import { type ApiKind, kindsDefinedBy, splitApiVersion } from '../kube/api-kinds.js';
import { LAYERS, type LayerName, layerIndex } from './layers.js';
import type { ProfileComponent } from './model.js';

/** One object of a profile, where it is declared. */
export interface LayerObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  layer: LayerName;
  /** The profile of the include chain that declares it. */
  profile: string;
  file: string;
  line: number;
  data: Record<string, unknown>;
}

export interface KindSources {
  kubernetesVersion: string;
  builtin: readonly ApiKind[];
  reconciler: { name: string; kinds: readonly ApiKind[] };
  /** Kinds the cluster's compute mode serves from the start (EKS Auto Mode's NodePool, ...). */
  compute?: { name: string; kinds: readonly ApiKind[] };
}

/** The kind of object whose name says which component it installs (Flux's HelmRelease). */
const RELEASE_KIND = 'HelmRelease';

export function checkLayerKinds(
  objects: readonly LayerObject[],
  components: readonly { profile: string; component: ProfileComponent }[],
  sources: KindSources,
): void {
  const exact = new Set(
    [...sources.builtin, ...sources.reconciler.kinds, ...(sources.compute?.kinds ?? [])].map(key),
  );
  const provided = new Map<string, string>();
  const releaseLayer = releases(objects);
  for (const { profile, component } of components) {
    const release = component.release ?? component.name;
    if (component.provides.length > 0 && !releaseLayer.has(release)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `profile ${profile}: component ${component.name} provides ${component.provides.map((p) => p.group).join(', ')}, but no ${RELEASE_KIND} named ${release} is in its layers`,
        { hint: 'set components[].release to the name of the HelmRelease that installs it' },
      );
    }
  }
  for (const layer of LAYERS) {
    for (const o of objects.filter((x) => x.layer === layer)) {
      const { group, version } = splitApiVersion(o.apiVersion);
      if (exact.has(key({ group, version, kind: o.kind })) || provided.has(`${group}|${o.kind}`)) continue;
      const where = `${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${o.file}:${o.line}: ${o.kind} ${where} (${o.apiVersion}) in layer ${layer} of profile ${o.profile}: no earlier layer provides this kind, and neither Kubernetes ${sources.kubernetesVersion} nor ${sources.reconciler.name}${sources.compute ? ` nor ${sources.compute.name}` : ''} serves it`,
        {
          hint: hintFor(layer, group),
        },
      );
    }
    // What this layer brings becomes usable from the next one on.
    for (const o of objects.filter((x) => x.layer === layer)) {
      for (const k of kindsDefinedBy(o.data)) provided.set(`${k.group}|${k.kind}`, o.file);
    }
    for (const { profile, component } of components) {
      const release = component.release ?? component.name;
      if (component.provides.length === 0 || releaseLayer.get(release) !== layer) continue;
      for (const api of component.provides)
        for (const kind of api.kinds) provided.set(`${api.group}|${kind}`, `${profile}: ${component.name}`);
    }
  }
}

/** The layer of each HelmRelease, by name (a release's name is unique in its namespace). */
function releases(objects: readonly LayerObject[]): Map<string, LayerName> {
  const out = new Map<string, LayerName>();
  for (const o of objects) {
    if (o.kind !== RELEASE_KIND) continue;
    const seen = out.get(o.name);
    // The earliest layer wins: that is when its CRDs first exist.
    if (seen === undefined || layerIndex(o.layer) < layerIndex(seen)) out.set(o.name, o.layer);
  }
  return out;
}

function hintFor(layer: LayerName, group: string): string {
  const later = layer === 'apps' ? '' : ' or move the object to a later layer,';
  return `put what installs ${group === '' ? 'it' : `the ${group} CRDs`} in an earlier layer,${later} and declare the kinds a HelmRelease installs under components[].provides in profile.yaml`;
}

function key(k: ApiKind): string {
  return `${k.group}|${k.version}|${k.kind}`;
}
