/**
 * Whether Flagger's canary alerts go where Flux's do, for `gitops status`: a HelmRelease reads the
 * Secret gitops-flagger-alerts through valuesFrom (the profile wired Flagger), and the Secret sets
 * the notifier the provider type calls for. Only the notifier is reported, never the URL.
 */
import { parseYamlValues } from '../../../primitives/yaml.js';
import type { KubeClient } from '../../kube/client.js';
import { field, type KubeObject } from '../../kube/object.js';
import type { FlaggerAlertsHealth } from '../reconciler.js';
import { decodeSecretData } from './credentials.js';
import {
  FLAGGER_ALERTS_NAME,
  FLAGGER_VALUES_KEY,
  type FlaggerNotifier,
  flaggerAlerts,
  flaggerNotifierOf,
} from './flagger-alerts.js';
import { listServed } from './served.js';
import { FLUX_NAMESPACE } from './sync.js';

const where = `Secret ${FLUX_NAMESPACE}/${FLAGGER_ALERTS_NAME}`;

/** Undefined when no HelmRelease reads the Secret (the cluster's profile has no wired Flagger). */
export async function flaggerAlertsHealth(
  client: KubeClient,
  provider: string,
): Promise<{ health: FlaggerAlertsHealth; problem?: string } | undefined> {
  const releases = (await listServed(client, 'helm.toolkit.fluxcd.io', 'HelmRelease')).filter(readsSecret);
  if (releases.length === 0) return undefined;
  const names = releases.map((r) => r.metadata.name ?? '').join(', ');
  // The address does not change what Flagger can do with the type; any URL tells it.
  const expected = flaggerAlerts({ provider, address: 'https://example.invalid/' });
  if (!expected.sent) return { health: { sent: false, note: `not sent: ${expected.why}` } };
  const secret = await client.get({
    apiVersion: 'v1',
    kind: 'Secret',
    name: FLAGGER_ALERTS_NAME,
    namespace: FLUX_NAMESPACE,
  });
  const notifier = notifierIn(decodeSecretData(secret)?.[FLAGGER_VALUES_KEY]);
  const problem = !secret
    ? `${where} is missing (run bootstrap with GITOPS_ALERTS_ADDRESS)`
    : notifier !== expected.notifier
      ? `${where} does not set Flagger's ${expected.notifier} notifier`
      : undefined;
  return problem
    ? { health: { sent: false, note: problem }, problem: `Flagger: ${problem}` }
    : { health: { sent: true, note: `Flagger's ${notifier} notifier (HelmRelease ${names})` } };
}

function readsSecret(release: KubeObject): boolean {
  if (release.metadata.namespace !== FLUX_NAMESPACE) return false;
  const refs = field(release, 'spec', 'valuesFrom');
  return (
    Array.isArray(refs) &&
    refs.some((r) => field(r, 'kind') === 'Secret' && field(r, 'name') === FLAGGER_ALERTS_NAME)
  );
}

function notifierIn(text: string | undefined): FlaggerNotifier | undefined {
  if (text === undefined) return undefined;
  try {
    return flaggerNotifierOf(parseYamlValues(text, where)[0]);
  } catch {
    // Not readable as values: helm-controller would fail the release, and status says so there.
    return undefined;
  }
}
