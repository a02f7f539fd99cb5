/**
 * Renders what a cluster needs in the fleet repository (layout.ts has the map), as a pure function
 * of the cluster spec, the resolved profile, the account id and the kinds the reconciler serves;
 * the same inputs give byte-identical files, so re-running a bootstrap makes no commit:
 *   - each profile of the include chain once, as a shared copy `profiles/<name>/<version>/`
 *     (its layer folders as shipped: parameters stay `${name}` for Flux to substitute);
 *   - the cluster's own tool-owned files (cluster.yaml) and values (for the values ConfigMap);
 *   - the team's files as first written: one overlay per layer pointing into the shared copies,
 *     and the profile's templates rendered with the cluster's values.
 * Before anything is written it checks what Flux would do with it: every object's kind exists
 * when its layer is applied (layer-check.ts), and every parameter use reads as meant once this
 * cluster's values are substituted (postbuild.ts). The reconciler adds its own files (flux-system,
 * the layer syncs, the values ConfigMap) to the cluster folder.
 */
import { forCompute } from '../../spec/compute.js';
import { userError } from '../../primitives/errors.js';
import { parseWith } from '../../primitives/validation.js';
import { type ClusterSpec, ecrRepositorySchema, fleetPath } from '../../spec/schema.js';
import { withoutCredentials } from '../git/url.js';
import { type ApiKind, builtinKinds, splitApiVersion } from '../kube/api-kinds.js';
import { awsNeedsOf } from './aws-needs.js';
import { forComputeMode } from './auto-mode.js';
import { AUTO_MODE_KINDS } from './auto-mode-objects.js';
import { toCanonicalYaml } from './canonical-yaml.js';
import { profileDigest, type ResolvedProfile } from './catalog.js';
import type { ChainProfile } from './chain-profile.js';
import { checkLayerKinds, type LayerObject } from './layer-check.js';
import { LAYERS, type LayerName } from './layers.js';
import { CLUSTER_SPEC_FILE, overlayFile, SHARED_RECORD, sharedFolder, TEMPLATES_DIR } from './layout.js';
import { mergeByName } from './merge.js';
import type { ParameterValue, Profile } from './model.js';
import { initialOverlay, type OverlayTarget } from './overlay.js';
import { builtinsFor, ecrRegistryFor, type ParameterSet, resolveParameters } from './parameters.js';
import { type AutomatedImage, automatedImages } from './images.js';
import { checkUse, fluxSubstitute, variableText } from './postbuild.js';
import { readProfileFiles } from './profile-files.js';
import { substituteText } from './substitute.js';
import { renderTemplates } from './templates.js';
import { CLUSTER_VALUES_FILE, type ClusterValues, clusterValuesManifest } from './cluster-values.js';
import { type ClusterVariables, clusterVariables } from './values.js';

export interface RenderRequest {
  spec: ClusterSpec;
  profile: ResolvedProfile;
  /** The 12-digit AWS account id (for `${accountId}` and `${ecrRegistry}`). */
  accountId: string;
  /** The reconciler and the kinds its install manifests define (its CRDs). */
  reconciler: { name: string; kinds: readonly ApiKind[] };
  /** Values learned by provisioning, added to the variables the layers substitute (none yet). */
  extraValues?: Readonly<Record<string, string>>;
  /** Provisioning outputs for the controllers (cluster-values.ts); without them no such file. */
  clusterValues?: ClusterValues;
}

/** One profile version as written, shared by every cluster on it. */
export interface SharedProfile {
  name: string;
  version: string;
  /** `profiles/<name>/<version>` */
  folder: string;
  /** `sha256:<hex>` of the profile's own files: a version's content never changes once written. */
  digest: string;
  /** Relative to `folder`: the layer folders and the record (SHARED_RECORD). */
  files: Record<string, string>;
  layers: LayerName[];
}

export interface RenderedCluster {
  /** The cluster's folder in the fleet repo (`clusters/<name>` unless the spec says otherwise). */
  path: string;
  /** The spec with the profile's node groups, add-ons and ECR repositories merged in. */
  spec: ClusterSpec;
  /** Every parameter value used for this rendering, built-ins included. */
  parameters: Record<string, ParameterValue>;
  shared: SharedProfile[];
  /** The cluster folder's tool-owned files, relative to it. */
  files: Record<string, string>;
  /** The cluster folder's team-owned files as first written, relative to it. */
  teamFiles: Record<string, string>;
  /** Which profile versions each layer overlay must point at. */
  overlays: OverlayTarget[];
  values: ClusterVariables;
  /** The layers in apply order, with the repository folder each is built from. */
  layers: { name: LayerName; path: string }[];
  /** Which layer each object of the profile is applied in (names with this cluster's values). */
  placements: Placement[];
  /** The images image automation may set (the ECR repositories with an imageParameter). */
  images: AutomatedImage[];
}

export interface Placement {
  group: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  layer: LayerName;
}

export function renderCluster(req: RenderRequest): RenderedCluster {
  const { spec } = req;
  // Idempotent: a profile already built for the spec's compute mode stays as it is.
  const profile = forComputeMode(req.profile, spec.compute);
  const path = fleetPath(spec);
  const params = resolveParameters(
    profile.profile,
    spec.profile.parameters,
    builtinsFor(spec.name, spec.region, req.accountId),
  );
  const missing = [...params.missing][0];
  if (missing !== undefined) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `profile "${profile.profile.name}" parameter "${missing}" has no value`,
      {
        hint: `set profile.parameters.${missing} in the cluster spec`,
      },
    );
  }
  const objects: LayerObject[] = [];
  const shared: SharedProfile[] = [];
  const teamFiles: Record<string, string> = {};
  const used = new Set<string>();
  for (const p of profile.profiles) {
    const read = readProfileFiles(p);
    for (const use of read.uses) checkUse(use, params, spec.name);
    objects.push(...read.objects);
    const rendered = renderTemplates(read.templates, p.label, params, used);
    for (const [rel, text] of Object.entries(rendered)) teamFiles[`${TEMPLATES_DIR}/${p.name}/${rel}`] = text;
    const layers = LAYERS.filter((l) => read.layers[l] !== undefined);
    if (layers.length > 0) shared.push(sharedProfile(p, profile, layers, read.layers));
  }
  checkDuplicates(objects);
  checkLayerKinds(
    objects,
    profile.profiles.flatMap((p) =>
      p.profile.components.map((component) => ({ profile: p.name, component })),
    ),
    {
      kubernetesVersion: spec.kubernetesVersion,
      builtin: builtinKinds(spec.kubernetesVersion),
      reconciler: req.reconciler,
      ...(spec.compute === 'auto' ? { compute: { name: 'EKS Auto Mode', kinds: AUTO_MODE_KINDS } } : {}),
    },
  );
  const overlays = LAYERS.map(
    (layer): OverlayTarget => ({
      clusterPath: path,
      layer,
      profiles: shared
        .filter((s) => s.layers.includes(layer))
        .map((s) => ({ name: s.name, version: s.version })),
    }),
  );
  for (const o of overlays) teamFiles[overlayFile(o.layer)] = initialOverlay(o);
  const effective = effectiveClusterSpec(spec, profile.profile, params);
  const values = Object.fromEntries([...params.values.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    path,
    spec: effective,
    parameters: values,
    shared,
    files: {
      [CLUSTER_SPEC_FILE]: `# The cluster spec, written by gitops. \`gitops bootstrap --from-git <fleet-url> --cluster ${spec.name}\` rebuilds the cluster from it.\n${toCanonicalYaml(effective)}`,
      ...(req.clusterValues === undefined
        ? {}
        : { [CLUSTER_VALUES_FILE]: clusterValuesManifest(req.clusterValues) }),
    },
    teamFiles: sortedKeys(teamFiles),
    overlays,
    values: clusterVariables(
      values,
      { name: profile.profile.name, version: profile.profile.version },
      req.extraValues,
    ),
    layers: LAYERS.map((name) => ({ name, path: `${path}/${name}` })),
    placements: placementsOf(objects, params),
    images: automatedImages(profile.profile, params, ecrRegistryFor(req.accountId, spec.region)),
  };
}

function placementsOf(objects: readonly LayerObject[], params: ParameterSet): Placement[] {
  const vars = new Map([...params.values].map(([k, v]) => [k, variableText(v)]));
  return objects.map((o) => ({
    group: splitApiVersion(o.apiVersion).group,
    kind: o.kind,
    namespace: o.namespace === undefined ? undefined : fluxSubstitute(o.namespace, vars),
    name: fluxSubstitute(o.name, vars),
    layer: o.layer,
  }));
}

function sharedProfile(
  p: ChainProfile,
  resolved: ResolvedProfile,
  layers: LayerName[],
  files: Partial<Record<LayerName, Record<string, string>>>,
): SharedProfile {
  const folder = sharedFolder(p.name, p.profile.version);
  const digest = `sha256:${profileDigest(p)}`;
  const out: Record<string, string> = {};
  for (const layer of layers) {
    for (const [rel, text] of Object.entries(files[layer] ?? {})) {
      out[`${layer}/${rel}`] = /\.ya?ml$/i.test(rel)
        ? `# Profile ${p.name} ${p.profile.version}, shared by every cluster on this version (written by gitops; edits here are undone). Change one cluster in its ${layer}/kustomization.yaml.\n${text}`
        : text;
    }
  }
  const source = p.bundled
    ? { kind: 'bundled', ref: p.name }
    : {
        kind: resolved.source.kind,
        ref: resolved.source.ref,
        ...(resolved.source.kind === 'git' && resolved.source.revision
          ? { revision: resolved.source.revision }
          : {}),
      };
  out[SHARED_RECORD] =
    '# Where this profile version came from. Not applied to any cluster.\n' +
    toCanonicalYaml({
      apiVersion: 'gitops.dev/v1alpha1',
      kind: 'ProfileVersion',
      name: p.name,
      version: p.profile.version,
      digest,
      // What this version needs from AWS: gitops upgrade moves a cluster only when it stays the same.
      awsNeeds: awsNeedsOf(p),
      source,
      includes: p.profile.includes,
      layers,
    });
  return { name: p.name, version: p.profile.version, folder, digest, files: sortedKeys(out), layers };
}

/**
 * The spec AWS provisioning works from: the profile's node groups, add-ons and ECR repositories,
 * overridden by name by what the spec itself lists. ECR names may use parameters (`${cluster}/api`).
 */
export function effectiveClusterSpec(spec: ClusterSpec, profile: Profile, params: ParameterSet): ClusterSpec {
  const ecr = profile.ecrRepositories.map(({ imageParameter: _, tagParameter: __, ...r }, i) => {
    const source = `${profile.name} profile.yaml: ecrRepositories[${i}]`;
    const name = substituteText(r.name, { params, file: source, used: new Set() });
    return parseWith(ecrRepositorySchema, { ...r, name }, source);
  });
  // In auto mode the profile's node groups and the add-ons Auto Mode replaces are not wanted.
  return forCompute({
    ...spec,
    // cluster.yaml is committed: URLs keep no password or token (they come from the environment).
    fleet: { ...spec.fleet, url: withoutCredentials(spec.fleet.url) },
    profile: { ...spec.profile, source: withoutCredentials(spec.profile.source) },
    nodeGroups: mergeByName([profile.nodeGroups, spec.nodeGroups]),
    addons: mergeByName([profile.addons, spec.addons]),
    ecrRepositories: mergeByName([ecr, spec.ecrRepositories]),
  });
}

/** `gitops: bootstrap research with profile ml@1.0.0` (git profiles show their commit). */
export function commitMessage(cluster: string, profile: ResolvedProfile): string {
  const rev =
    profile.source.kind === 'git' && profile.source.revision
      ? profile.source.revision.slice(0, 12)
      : profile.profile.version;
  return `gitops: bootstrap ${cluster} with profile ${profile.profile.name}@${rev}`;
}

/** The one commit `destroy` makes: `gitops: destroy research`. */
export function destroyMessage(cluster: string): string {
  return `gitops: destroy ${cluster}`;
}

/** An object declared twice across the chain would be applied by two layers or twice by one. */
function checkDuplicates(objects: readonly LayerObject[]): void {
  const seen = new Map<string, LayerObject>();
  for (const o of objects) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
    const id = `${group}|${o.kind}|${o.namespace ?? ''}|${o.name}`;
    const first = seen.get(id);
    if (first) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} is declared twice: ${first.file}:${first.line} and ${o.file}:${o.line}`,
      );
    }
    seen.set(id, o);
  }
}

function sortedKeys(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
