/**
 * Flux's state as data for `gitops status`: is it installed (and which version), are its
 * controllers available, and what do its GitRepositories, Kustomizations and HelmReleases say
 * (Ready, reason, revisions). Reads only; kinds whose CRD is absent read as empty lists.
 */
import type { KubeClient } from '../../kube/client.js';
import { conditionOf, field, type KubeObject } from '../../kube/object.js';
import { readinessOf } from '../../kube/readiness.js';
import { notARelease, simulatedOf } from '../../kube/simulated.js';
import type { FleetLocation, LayerHealth, ReconcilerHealth, SimulatedObject } from '../reconciler.js';
import { PROFILE_ANNOTATIONS, VALUES_CONFIGMAP } from './layers.js';
import { fluxAlertsHealth } from './alerts-health.js';
import { fluxImageAutomationHealth } from './image-automation-health.js';
import { listServed } from './served.js';
import { FLUX_NAMESPACE } from './sync.js';

export interface ControllerHealth {
  name: string;
  ready: boolean;
  reason: string;
  image?: string;
}

export interface FluxObjectHealth {
  kind: 'GitRepository' | 'Kustomization' | 'HelmRelease';
  name: string;
  namespace: string;
  ready: boolean;
  suspended: boolean;
  /** Ready condition reason and message, or why it is not ready. */
  reason: string;
  /** GitRepository: the fetched artifact's revision. */
  revision?: string;
  /** Kustomization / HelmRelease. */
  lastAppliedRevision?: string;
  /** Kustomization: the Kustomization that applied it (its kustomize.toolkit.fluxcd.io/name label). */
  appliedBy?: string;
  /** Kustomization: the names of those it depends on. */
  dependsOn?: string[];
  lastAttemptedRevision?: string;
  url?: string;
  branch?: string;
  path?: string;
}

export interface FluxHealth {
  installed: boolean;
  /** From the flux-system namespace's app.kubernetes.io/version label. */
  version?: string;
  /** From its NOT_A_RELEASE_ANNOTATION: what the components are, when not a Flux release. */
  notARelease?: string;
  controllers: ControllerHealth[];
  sources: FluxObjectHealth[];
  kustomizations: FluxObjectHealth[];
  helmReleases: FluxObjectHealth[];
  /** Objects a test environment stood in for (see SIMULATION_ANNOTATIONS). */
  simulated: SimulatedObject[];
  /** Controllers available and every source / Kustomization / HelmRelease Ready. */
  ready: boolean;
}

/**
 * Flux's health as the reconciler interface reports it: its controllers, its objects, where the
 * root (flux-system) sync points and which revision it applied.
 */
export async function fluxHealth(client: KubeClient): Promise<ReconcilerHealth> {
  const flux = await readFluxHealth(client);
  const source =
    flux.sources.find((s) => s.name === FLUX_NAMESPACE && s.namespace === FLUX_NAMESPACE) ?? flux.sources[0];
  const root =
    flux.kustomizations.find((k) => k.name === FLUX_NAMESPACE && k.namespace === FLUX_NAMESPACE) ??
    flux.kustomizations[0];
  const location: Partial<FleetLocation> = {};
  if (source?.url) location.url = source.url;
  if (source?.branch) location.branch = source.branch;
  if (root?.path) location.path = root.path.replace(/^\.\//, '');
  const applied = shaOf(root?.lastAppliedRevision);
  const profile = flux.installed ? await profileOf(client) : undefined;
  const layers = layersOf(flux.kustomizations);
  const alerts = flux.installed ? await fluxAlertsHealth(client) : undefined;
  const imageAutomation = flux.installed ? await fluxImageAutomationHealth(client) : [];
  return {
    installed: flux.installed,
    ...(flux.version ? { version: flux.version } : {}),
    ...(flux.notARelease ? { notARelease: flux.notARelease } : {}),
    controllers: flux.controllers.map((c) => ({ name: c.name, ready: c.ready, reason: c.reason })),
    ...(flux.installed ? { location } : {}),
    ...(applied ? { appliedRevision: applied } : {}),
    syncReady: root?.ready === true && layers.every((l) => l.ready || l.suspended),
    simulated: [...flux.simulated, ...(alerts ? simulatedOf(alerts.provider) : [])],
    ...(alerts ? { alerts: alerts.health } : {}),
    imageAutomation,
    objects: [...flux.sources, ...flux.kustomizations, ...flux.helmReleases].map((o) => ({
      kind: o.kind,
      name: o.name,
      namespace: o.namespace,
      ready: o.ready,
      suspended: o.suspended,
      reason: o.reason,
    })),
    layers,
    ...(profile ? { profile } : {}),
  };
}

/** The Kustomizations the root one applied (the layers), each after those it depends on. */
export function layersOf(kustomizations: readonly FluxObjectHealth[]): LayerHealth[] {
  const layers = kustomizations.filter(
    (k) => k.appliedBy === FLUX_NAMESPACE && k.namespace === FLUX_NAMESPACE && k.name !== FLUX_NAMESPACE,
  );
  const ordered: FluxObjectHealth[] = [];
  const visit = (k: FluxObjectHealth, path: string[]) => {
    if (ordered.includes(k) || path.includes(k.name)) return;
    for (const dep of k.dependsOn ?? []) {
      const d = layers.find((l) => l.name === dep);
      if (d) visit(d, [...path, k.name]);
    }
    ordered.push(k);
  };
  for (const k of layers) visit(k, []);
  return ordered.map((k) => {
    const revision = shaOf(k.lastAppliedRevision);
    return {
      name: k.name,
      ready: k.ready,
      suspended: k.suspended,
      reason: k.reason,
      ...(revision ? { appliedRevision: revision } : {}),
    };
  });
}

/** The profile version recorded on the cluster's values ConfigMap, when there is one. */
async function profileOf(client: KubeClient): Promise<{ name: string; version: string } | undefined> {
  const cm = await client.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: VALUES_CONFIGMAP,
    namespace: FLUX_NAMESPACE,
  });
  const name = cm?.metadata.annotations?.[PROFILE_ANNOTATIONS.name];
  const version = cm?.metadata.annotations?.[PROFILE_ANNOTATIONS.version];
  return name && version ? { name, version } : undefined;
}

/** Flux writes revisions as `main@sha1:<sha>` (v2) or `main/<sha>` (older). */
export function shaOf(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const m = /([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision);
  return m?.[1];
}

export async function readFluxHealth(
  client: KubeClient,
  options: { namespace?: string } = {},
): Promise<FluxHealth> {
  const namespace = options.namespace ?? FLUX_NAMESPACE;
  const ns = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (!ns) {
    return {
      installed: false,
      controllers: [],
      sources: [],
      kustomizations: [],
      helmReleases: [],
      simulated: [],
      ready: false,
    };
  }
  const [deployments, sources, kustomizations, helmReleases, helmSources, ociSources] = await Promise.all([
    client.list('apps/v1', 'Deployment', { namespace, labelSelector: 'app.kubernetes.io/part-of=flux' }),
    listServed(client, 'source.toolkit.fluxcd.io', 'GitRepository'),
    listServed(client, 'kustomize.toolkit.fluxcd.io', 'Kustomization'),
    listServed(client, 'helm.toolkit.fluxcd.io', 'HelmRelease'),
    listServed(client, 'source.toolkit.fluxcd.io', 'HelmRepository'),
    listServed(client, 'source.toolkit.fluxcd.io', 'OCIRepository'),
  ]);
  const controllers = deployments.map((d): ControllerHealth => {
    const r = readinessOf(d);
    const containers = field(d, 'spec', 'template', 'spec', 'containers');
    const image = Array.isArray(containers) ? field(containers[0], 'image') : undefined;
    return {
      name: d.metadata.name ?? '',
      ready: r.ready,
      reason: r.reason,
      ...(typeof image === 'string' ? { image } : {}),
    };
  });
  const health: FluxHealth = {
    installed: true,
    controllers,
    sources: sources.map((o) => objectHealth(o, 'GitRepository')),
    kustomizations: kustomizations.map((o) => objectHealth(o, 'Kustomization')),
    helmReleases: helmReleases.map((o) => objectHealth(o, 'HelmRelease')),
    simulated: [...kustomizations, ...helmReleases, ...helmSources, ...ociSources].flatMap(simulatedOf),
    ready: false,
  };
  const version = ns.metadata.labels?.['app.kubernetes.io/version'];
  if (version) health.version = version;
  const what = notARelease(ns);
  if (what) health.notARelease = what;
  health.ready =
    controllers.length > 0 &&
    controllers.every((c) => c.ready) &&
    [...health.sources, ...health.kustomizations, ...health.helmReleases].every(
      (o) => o.ready || o.suspended,
    );
  return health;
}

function objectHealth(obj: KubeObject, kind: FluxObjectHealth['kind']): FluxObjectHealth {
  const r = readinessOf(obj);
  const ready = conditionOf(obj, 'Ready');
  const out: FluxObjectHealth = {
    kind,
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    ready: r.ready,
    suspended: field(obj, 'spec', 'suspend') === true,
    reason: r.ready && ready ? [ready.reason, ready.message].filter(Boolean).join(': ') : r.reason,
  };
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const set = <K extends keyof FluxObjectHealth>(k: K, v: FluxObjectHealth[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('revision', str(field(obj, 'status', 'artifact', 'revision')));
  set('lastAppliedRevision', str(field(obj, 'status', 'lastAppliedRevision')));
  set('lastAttemptedRevision', str(field(obj, 'status', 'lastAttemptedRevision')));
  set('url', str(field(obj, 'spec', 'url')));
  set('branch', str(field(obj, 'spec', 'ref', 'branch')));
  set('path', str(field(obj, 'spec', 'path')));
  set('appliedBy', str(obj.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']));
  const deps = field(obj, 'spec', 'dependsOn');
  if (Array.isArray(deps))
    set(
      'dependsOn',
      deps.map((d) => String(field(d, 'name') ?? '')),
    );
  return out;
}
