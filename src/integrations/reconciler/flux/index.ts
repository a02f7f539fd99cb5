/**
 * Flux as the reconciler of the fleet repository: the one object the use cases get, which
 * composes this folder's parts (manifests, fleet files, install steps, health, cluster state).
 */
import { buildKustomization } from '../../kustomize/build.js';
import type { KubeObject } from '../../kube/object.js';
import type { DesiredState, Reconciler } from '../reconciler.js';
import { fluxInventory, fluxLocation, fluxSuspendStep, fluxWorkloads } from './cluster-state.js';
import { checkFluxSource } from './credentials.js';
import { FLUX_FILES, fluxFleetFiles, recordedChecksum } from './fleet-files.js';
import { fluxHealth } from './health.js';
import { FLUX_STEPS, fluxInstallSteps, fluxReadyStep } from './install.js';
import { defaultFluxCacheDir, resolveFluxManifests } from './manifests.js';
import { fluxCredentialsFor } from './read-credentials.js';
import { FLUX_NAMESPACE } from './sync.js';

/** kustomize-controller's field manager: fields it owns are not drift. */
const APPLY_MANAGER = 'kustomize-controller';

export const flux: Reconciler = {
  name: 'flux',

  sourceUrl: (url, options) => checkFluxSource(url, options),

  readCredentials: (url, env) => fluxCredentialsFor(url, env),

  async resolveManifests(req) {
    const recorded = req.recorded
      ? recordedChecksum((await req.recorded(FLUX_FILES.components)) ?? '')
      : undefined;
    return await resolveFluxManifests({
      version: req.version,
      cacheDir: defaultFluxCacheDir(req.env),
      sink: req.sink,
      ...(req.source === undefined ? {} : { source: req.source }),
      ...(req.releaseBaseUrl === undefined ? {} : { releaseBaseUrl: req.releaseBaseUrl }),
      ...(recorded && recorded.version === req.version ? { recordedSha256: recorded.sha256 } : {}),
    });
  },

  fleetFiles: (manifests, location) => fluxFleetFiles(manifests, location),

  installSteps(req) {
    const steps = [
      ...fluxInstallSteps({
        client: req.client,
        manifests: req.manifests,
        sync: req.location,
        credentials: req.credentials,
        dependsOn: req.dependsOn,
        ...(req.syncDependsOn ? { syncDependsOn: req.syncDependsOn } : {}),
      }),
      fluxReadyStep({
        client: req.client,
        manifests: req.manifests,
        sync: {},
        revision: req.revision,
        dependsOn: [FLUX_STEPS.sync.id, ...req.revisionDependsOn],
        intervalMs: req.pollMs,
      }),
    ];
    return { steps, credentials: FLUX_STEPS.credentials, ready: FLUX_STEPS.ready };
  },

  workloads: (client, signal) => fluxWorkloads(client, signal),
  inventory: (client, signal) => fluxInventory(client, signal),
  health: (client) => fluxHealth(client),
  location: (client, signal) => fluxLocation(client, signal),
  suspendStep: (client, id) => fluxSuspendStep(client, id),

  async desired(checkoutDir, path): Promise<DesiredState> {
    const built = await buildKustomization(checkoutDir, path);
    return {
      objects: built.objects.map(withFluxLabels),
      fieldManager: APPLY_MANAGER,
      defaultNamespace: 'default',
    };
  },
};

/** Flux labels every object it applies with the Kustomization that owns it. */
function withFluxLabels(obj: KubeObject): KubeObject {
  const labels = {
    ...(obj.metadata.labels ?? {}),
    'kustomize.toolkit.fluxcd.io/name': FLUX_NAMESPACE,
    'kustomize.toolkit.fluxcd.io/namespace': FLUX_NAMESPACE,
  };
  return { ...obj, metadata: { ...obj.metadata, labels } };
}
