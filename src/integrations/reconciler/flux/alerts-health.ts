/**
 * Where a cluster's alerts go, for `gitops status`: the Provider gitops wrote (its type, never
 * the address) and whether it can send. Providers of notification.toolkit.fluxcd.io/v1beta3
 * (Flux 2.2 and later) have no status of their own: notification-controller reads them when an
 * event arrives. So "ready" means what can be checked before then: the Provider is applied and
 * not suspended, its Secret holds an `address` (and a `token` for generic-hmac), and both Alerts
 * point at it; an older Provider's own Ready condition counts too.
 */
import type { KubeClient } from '../../kube/client.js';
import { conditionOf, field, type KubeObject } from '../../kube/object.js';
import type { AlertsHealth } from '../reconciler.js';
import { ALERT_NAMES, ALERTS_NAME, NOTIFICATION_GROUP } from './alerts.js';
import { decodeSecretData } from './credentials.js';
import { flaggerAlertsHealth } from './flagger-alerts-health.js';
import { listServed } from './served.js';
import { FLUX_NAMESPACE } from './sync.js';

const ours = (o: KubeObject, name: string) =>
  o.metadata.name === name && o.metadata.namespace === FLUX_NAMESPACE;

/** Undefined when the cluster has no alerts of gitops's (no Provider gitops-alerts). */
export async function fluxAlertsHealth(
  client: KubeClient,
): Promise<{ health: AlertsHealth; provider: KubeObject } | undefined> {
  const providers = await listServed(client, NOTIFICATION_GROUP, 'Provider');
  const provider = providers.find((p) => ours(p, ALERTS_NAME));
  if (!provider) return undefined;
  const type = String(field(provider, 'spec', 'type') ?? '');
  const [alerts, secret] = await Promise.all([
    listServed(client, NOTIFICATION_GROUP, 'Alert'),
    client.get({ apiVersion: 'v1', kind: 'Secret', name: ALERTS_NAME, namespace: FLUX_NAMESPACE }),
  ]);
  const data = decodeSecretData(secret);
  const problems: string[] = [];
  if (field(provider, 'spec', 'suspend') === true) problems.push(`Provider ${ALERTS_NAME} is suspended`);
  if (!secret)
    problems.push(
      `Secret ${FLUX_NAMESPACE}/${ALERTS_NAME} is missing (run bootstrap with GITOPS_ALERTS_ADDRESS)`,
    );
  else if (!data?.['address']) problems.push(`Secret ${FLUX_NAMESPACE}/${ALERTS_NAME} has no address`);
  else if (type === 'generic-hmac' && !data['token'])
    problems.push(`Secret ${FLUX_NAMESPACE}/${ALERTS_NAME} has no token to sign with`);
  for (const name of Object.values(ALERT_NAMES)) {
    const alert = alerts.find((a) => ours(a, name));
    if (!alert) problems.push(`Alert ${name} is missing`);
    else if (field(alert, 'spec', 'providerRef', 'name') !== ALERTS_NAME)
      problems.push(`Alert ${name} does not use Provider ${ALERTS_NAME}`);
    else if (field(alert, 'spec', 'suspend') === true) problems.push(`Alert ${name} is suspended`);
  }
  const flagger = await flaggerAlertsHealth(client, type);
  if (flagger?.problem) problems.push(flagger.problem);
  const ready = conditionOf(provider, 'Ready');
  if (ready && ready.status !== 'True')
    problems.push(`Provider ${ALERTS_NAME}: ${[ready.reason, ready.message].filter(Boolean).join(': ')}`);
  return {
    provider,
    health: {
      provider: type,
      ready: problems.length === 0,
      reason:
        problems.length > 0
          ? problems.join('; ')
          : ready
            ? 'Provider ready'
            : 'Provider, Secret and Alerts in place (this Provider version reports no readiness of its own)',
      ...(flagger ? { flagger: flagger.health } : {}),
    },
  };
}
