/**
 * Flux's notifications for a cluster, as files of its folder (tool-owned `alerts.yaml`, applied
 * by the root sync beside the layers: Provider and Alert are Flux's own kinds, served from the
 * start) and the Secret holding the destination, which bootstrap writes into the cluster and
 * never into Git:
 *   Provider gitops-alerts   the provider type; `secretRef` names the Secret gitops-alerts, whose
 *                            `address` key Flux reads as the destination (`token` signs for
 *                            generic-hmac);
 *   Alert gitops-failures    every error event of the cluster's sources, Kustomizations and
 *                            HelmReleases in flux-system (a failed build, apply, health check,
 *                            fetch or release);
 *   Alert gitops-changes     info events of the Kustomizations whose message lists an object
 *                            `configured` or `created`: kustomize-controller emits one whenever an
 *                            apply changed something, so a live edit it reverted (drift corrected)
 *                            is reported with the objects it put back. A change pushed to Git is
 *                            reported the same way; Flux's event does not tell the two apart.
 */
import type { ApiKind } from '../../kube/api-kinds.js';
import type { KubeObject } from '../../kube/object.js';
import { FLUX_NAMESPACE } from './sync.js';

export const ALERTS_NAME = 'gitops-alerts';
export const ALERTS_FILE = 'alerts.yaml';
export const NOTIFICATION_GROUP = 'notification.toolkit.fluxcd.io';
/** The API versions of Provider/Alert, newest first: v1beta3 from Flux 2.2, v1beta2 before. */
const NOTIFICATION_VERSIONS = ['v1beta3', 'v1beta2'] as const;

export const ALERT_NAMES = { failures: 'gitops-failures', changes: 'gitops-changes' } as const;

/** Sources, syncs and releases whose error events are sent (all of them, in flux-system). */
const ERROR_SOURCES = [
  'GitRepository',
  'OCIRepository',
  'HelmRepository',
  'HelmChart',
  'Kustomization',
  'HelmRelease',
];

/**
 * kustomize-controller's change log lists one object a line, `Kind/namespace/name action`
 * (a Go regular expression, matched against the event message; written without flags, so
 * JavaScript reads it the same way).
 */
export const CHANGE_INCLUSIONS = ['\\S+ (configured|created)(\\n|$)'];

/** The Provider/Alert version the installed Flux serves (v1beta3 when it cannot be told). */
export function notificationApiVersion(kinds: readonly ApiKind[] | undefined): string {
  for (const v of NOTIFICATION_VERSIONS) {
    if (kinds?.some((k) => k.group === NOTIFICATION_GROUP && k.kind === 'Provider' && k.version === v))
      return `${NOTIFICATION_GROUP}/${v}`;
  }
  return `${NOTIFICATION_GROUP}/${NOTIFICATION_VERSIONS[0]}`;
}

export interface FluxAlertsRequest {
  provider: string;
  /** Added to every event sent, so a shared channel tells clusters apart. */
  cluster?: string;
  kinds?: readonly ApiKind[];
}

export function fluxAlertObjects(req: FluxAlertsRequest): KubeObject[] {
  const apiVersion = notificationApiVersion(req.kinds);
  const metadata = (name: string) => ({ name, namespace: FLUX_NAMESPACE });
  const eventMetadata = req.cluster ? { eventMetadata: { cluster: req.cluster } } : {};
  return [
    {
      apiVersion,
      kind: 'Provider',
      metadata: metadata(ALERTS_NAME),
      spec: { type: req.provider, secretRef: { name: ALERTS_NAME } },
    },
    {
      apiVersion,
      kind: 'Alert',
      metadata: metadata(ALERT_NAMES.failures),
      spec: {
        providerRef: { name: ALERTS_NAME },
        eventSeverity: 'error',
        eventSources: ERROR_SOURCES.map((kind) => ({ kind, name: '*' })),
        ...eventMetadata,
      },
    },
    {
      apiVersion,
      kind: 'Alert',
      metadata: metadata(ALERT_NAMES.changes),
      spec: {
        providerRef: { name: ALERTS_NAME },
        eventSeverity: 'info',
        eventSources: [{ kind: 'Kustomization', name: '*' }],
        inclusionList: CHANGE_INCLUSIONS,
        ...eventMetadata,
      },
    },
  ];
}

/** The Secret Flux's Provider reads: `address`, and `token` for generic-hmac (base64 in data). */
export function alertsSecret(data: Record<string, string>): KubeObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: ALERTS_NAME,
      namespace: FLUX_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'gitops' },
    },
    type: 'Opaque',
    data: encoded,
  };
}
