/**
 * How Flux applies a cluster's layers. The cluster folder's root (what the flux-system
 * Kustomization applies) holds only Flux's own files, the values ConfigMap and one Flux
 * Kustomization per layer; each layer Kustomization builds the layer's overlay folder and:
 *   dependsOn        the layer before (controllers -> configs -> apps): a layer is applied only
 *                    once the one before is Ready, so the CRDs it uses exist;
 *   wait             Ready only when everything it applied is healthy (a HelmRelease installed),
 *                    which is what the next layer's dependsOn waits for;
 *   prune            what leaves Git leaves the cluster;
 *   postBuild        `${name}` in the shared profile copies replaced from the values ConfigMap;
 *   timeout          long enough for the slowest release of the layer (charts of 15 minutes).
 * Tool-owned files, regenerated on every bootstrap.
 */
import { stringScalar } from '../../../primitives/yaml11.js';
import type { ApiKind } from '../../kube/api-kinds.js';
import type { KubeObject } from '../../kube/object.js';
import { ALERTS_FILE, fluxAlertObjects } from './alerts.js';
import { FLUX_NAMESPACE, KUSTOMIZATION_API, kustomizePath, toYamlDocuments } from './sync.js';

export const VALUES_CONFIGMAP = 'gitops-values';
export const LAYER_FILES = {
  root: 'kustomization.yaml',
  values: 'values.yaml',
  layers: 'layers.yaml',
} as const;
/** Annotations of the values ConfigMap that say which profile version the cluster runs. */
export const PROFILE_ANNOTATIONS = {
  name: 'gitops.dev/profile',
  version: 'gitops.dev/profile-version',
} as const;

export interface FluxLayer {
  name: string;
  /** Repository folder the layer is built from (`clusters/research/apps`). */
  path: string;
}

export interface FluxLayerRequest {
  layers: readonly FluxLayer[];
  values: { data: Readonly<Record<string, string>>; profile: { name: string; version: string } };
  /** Other files of the cluster folder the root applies (cluster-values.yaml). */
  resources?: readonly string[];
  /** Failure and drift alerts to this Flux provider type (alerts.yaml, applied by the root). */
  alerts?: { provider: string };
  /** The kinds the installed Flux serves (which Provider/Alert version to write). */
  kinds?: readonly ApiKind[];
  /** A ConfigMap substituted after the values, its values winning (image automation's images). */
  overrides?: string;
}

/** Per layer: how long Flux may take to apply it and see it healthy. */
const TIMEOUTS: Readonly<Record<string, string>> = { controllers: '30m0s', configs: '5m0s', apps: '20m0s' };

export function fluxLayerObjects(req: FluxLayerRequest): KubeObject[] {
  return req.layers.map((layer, i): KubeObject => {
    const before = req.layers[i - 1];
    return {
      apiVersion: KUSTOMIZATION_API,
      kind: 'Kustomization',
      metadata: { name: layer.name, namespace: FLUX_NAMESPACE },
      spec: {
        ...(before ? { dependsOn: [{ name: before.name }] } : {}),
        interval: '10m0s',
        retryInterval: '1m0s',
        timeout: TIMEOUTS[layer.name] ?? '10m0s',
        path: kustomizePath(layer.path),
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: FLUX_NAMESPACE },
        // Said explicitly, as on the root sync: a destroy suspends every Kustomization first, and
        // a bootstrap after it (interrupted, or a cluster rebuilt on the same API) must resume them.
        suspend: false,
        // The configs layer holds classes and issuers whose fields Kubernetes will not update in
        // place (a StorageClass's provisioner and parameters): a new profile version, or a move to
        // EKS Auto Mode's provisioner, must replace them, which Flux does only with force.
        ...(layer.name === 'configs' ? { force: true } : {}),
        postBuild: {
          substituteFrom: [
            { kind: 'ConfigMap', name: VALUES_CONFIGMAP },
            ...(req.overrides === undefined ? [] : [{ kind: 'ConfigMap', name: req.overrides }]),
          ],
        },
      },
    };
  });
}

export function valuesConfigMap(values: FluxLayerRequest['values']): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: VALUES_CONFIGMAP,
      namespace: FLUX_NAMESPACE,
      annotations: {
        [PROFILE_ANNOTATIONS.name]: values.profile.name,
        [PROFILE_ANNOTATIONS.version]: values.profile.version,
      },
    },
    data: { ...values.data },
  };
}

/** The cluster folder's root kustomization, values and layer syncs, relative to the folder. */
export function fluxLayerFiles(req: FluxLayerRequest): Record<string, string> {
  const alerts: Record<string, string> = req.alerts
    ? {
        [ALERTS_FILE]:
          '# Written by gitops: where Flux sends failure and drift alerts. The address is in the Secret gitops-alerts (not in Git).\n' +
          toYamlDocuments(
            fluxAlertObjects({
              provider: req.alerts.provider,
              ...(req.values.data['cluster'] ? { cluster: req.values.data['cluster'] } : {}),
              ...(req.kinds ? { kinds: req.kinds } : {}),
            }),
          ),
      }
    : {};
  return {
    ...alerts,
    [LAYER_FILES.root]: [
      '# Written by gitops: what the flux-system Kustomization applies. Change a layer in its own folder.',
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      ...[
        'flux-system',
        LAYER_FILES.values,
        ...(req.resources ?? []),
        ...Object.keys(alerts),
        LAYER_FILES.layers,
      ].map((r) => `  - ${r}`),
      '',
    ].join('\n'),
    [LAYER_FILES.values]: valuesText(valuesConfigMap(req.values)),
    [LAYER_FILES.layers]:
      '# Written by gitops: one Flux Kustomization per layer, each applied once the one before is ready.\n' +
      toYamlDocuments(fluxLayerObjects(req)),
  };
}

/**
 * The ConfigMap written by hand rather than by a YAML library: every value must stay a string for
 * Go's YAML 1.1 reader too (`yes`, `0o17` and `1.10` are not strings there), so each is quoted
 * unless that reader would take it as written.
 */
function valuesText(cm: KubeObject): string {
  const pairs = (m: Record<string, string>, indent: string) =>
    Object.entries(m).map(([k, v]) => `${indent}${stringScalar(k)}: ${stringScalar(v)}`);
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the comment names Flux's syntax
    "# Written by gitops from cluster.yaml: the values Flux substitutes for ${name} in the profile's manifests.",
    `apiVersion: ${cm.apiVersion}`,
    `kind: ${cm.kind}`,
    'metadata:',
    `  name: ${cm.metadata.name}`,
    `  namespace: ${cm.metadata.namespace}`,
    '  annotations:',
    ...pairs(cm.metadata.annotations ?? {}, '    '),
    'data:',
    ...pairs((cm['data'] ?? {}) as Record<string, string>, '  '),
    '',
  ].join('\n');
}
