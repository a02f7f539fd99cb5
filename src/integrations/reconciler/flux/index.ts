/**
 * Flux as the reconciler of the fleet repository: the one object the use cases get, which
 * composes this folder's parts (manifests, fleet files, install steps, health, cluster state).
 */
import { type ApiKind, kindsDefinedBy } from '../../kube/api-kinds.js';
import { parseManifests } from '../../kube/manifests.js';
import { notARelease } from '../../kube/simulated.js';
import type { FleetLocation, ReadCredentials, Reconciler, ReconcilerManifests } from '../reconciler.js';
import { fluxInventory, fluxLocation, fluxSuspendStep, fluxWorkloads } from './cluster-state.js';
import { checkFluxSource } from './credentials.js';
import { FLUX_FILES, fluxFleetFiles, recordedChecksum, recordedFluxManifests } from './fleet-files.js';
import { fluxHealth } from './health.js';
import { FLUX_STEPS, fluxInstallSteps, fluxReadyStep } from './install.js';
import { FLUX_NAMESPACE, type FluxSyncSpec } from './sync.js';
import { defaultFluxCacheDir, resolveFluxManifests } from './manifests.js';
import { fluxCredentialsFor, knownHostsFor } from './read-credentials.js';
import { IMAGES_CONFIGMAP, imageAutomationFiles } from './image-automation.js';
import {
  imageAutomationCredentials,
  imageAutomationCredentialsStep,
} from './image-automation-credentials.js';
import { fluxDesired } from './desired.js';
import { protectFromPrune, releaseProtection } from './handover.js';
import { fluxLayerFiles } from './layers.js';

const kindsCache = new WeakMap<ReconcilerManifests, ApiKind[]>();

/** The kinds Flux's CRDs serve, read from the install manifests (parsed once per manifests). */
function fluxApiKinds(manifests: ReconcilerManifests): ApiKind[] {
  let kinds = kindsCache.get(manifests);
  if (kinds === undefined) {
    kinds = parseManifests(manifests.text, manifests.location).flatMap(kindsDefinedBy);
    kindsCache.set(manifests, kinds);
  }
  return kinds;
}

/** The manifests with what their flux-system Namespace says they are, if not a release (parsed once). */
function described(manifests: ReconcilerManifests): ReconcilerManifests {
  const objects = parseManifests(manifests.text, manifests.location);
  const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === FLUX_NAMESPACE);
  const what = namespace ? notARelease(namespace) : undefined;
  const out = what ? { ...manifests, notARelease: what } : manifests;
  kindsCache.set(out, objects.flatMap(kindsDefinedBy));
  return out;
}

export const flux: Reconciler = {
  name: 'flux',
  namespace: FLUX_NAMESPACE,
  manifestsFile: FLUX_FILES.components,
  recordedManifests: (text, location) => recordedFluxManifests(text, location),

  sourceUrl: (url, options) => checkFluxSource(url, options),

  readCredentials: (url, env) => fluxCredentialsFor(url, env),

  async resolveManifests(req) {
    const recorded = req.recorded
      ? recordedChecksum((await req.recorded(FLUX_FILES.components)) ?? '')
      : undefined;
    const manifests = await resolveFluxManifests({
      version: req.version,
      cacheDir: defaultFluxCacheDir(req.env),
      sink: req.sink,
      ...(req.source === undefined ? {} : { source: req.source }),
      ...(req.releaseBaseUrl === undefined ? {} : { releaseBaseUrl: req.releaseBaseUrl }),
      ...(recorded && recorded.version === req.version ? { recordedSha256: recorded.sha256 } : {}),
    });
    return described(manifests);
  },

  fleetFiles: (manifests, location, credentials) =>
    fluxFleetFiles(manifests, syncSpecFor(location, credentials)),

  layerFiles: (req) => fluxLayerFiles(req),

  imageAutomationCredentials: (url, env) =>
    imageAutomationCredentials(url, env, () => knownHostsFor(url, env)),
  imageAutomationFiles: (req) => ({ ...imageAutomationFiles(req), overrides: IMAGES_CONFIGMAP }),
  imageAutomationRef: FLUX_STEPS.imageAutomationCredentials,
  imageAutomationStep: (o) =>
    imageAutomationCredentialsStep({
      id: FLUX_STEPS.imageAutomationCredentials.id,
      dependsOn: o.dependsOn,
      client: o.client,
      data: o.credentials === undefined ? undefined : { ...o.credentials },
    }),

  apiKinds: (manifests) => fluxApiKinds(manifests),

  installSteps(req) {
    const steps = [
      ...fluxInstallSteps({
        client: req.client,
        manifests: req.manifests,
        sync: syncSpecFor(req.location, req.credentials),
        credentials: req.credentials,
        dependsOn: req.dependsOn,
        ...(req.syncDependsOn ? { syncDependsOn: req.syncDependsOn } : {}),
        ...(req.alerts ? { alerts: req.alerts } : {}),
      }),
      fluxReadyStep({
        client: req.client,
        manifests: req.manifests,
        sync: {},
        revision: req.revision,
        layers: req.layers,
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
  protectFromPrune: (client, signal) => protectFromPrune(client, signal),
  releaseProtection: (client, signal) => releaseProtection(client, signal),

  desired: (checkoutDir, path) => fluxDesired(checkoutDir, path),
};

/** A repository read without credentials has no Secret to name, in Git as in the cluster. */
function syncSpecFor(location: FleetLocation, credentials: ReadCredentials): FluxSyncSpec {
  return credentials.type === 'none' ? { ...location, secretName: null } : location;
}
