/**
 * Flagger's canary alerts, sent to the place Flux's alerts go. Flagger (chart 1.38) has one
 * chart-wide notifier, used for every Canary that names no AlertProvider of its own: a Slack-style
 * webhook (`slack.url`), a Microsoft Teams webhook (`msteams.url`), or its event webhook
 * (`eventWebhook`, a JSON POST of each canary event). The profile's Flagger HelmRelease reads
 * these values from the Secret gitops-flagger-alerts in flux-system (`valuesFrom`, optional), which
 * bootstrap writes from the same destination as Flux's Provider, so the address never enters Git.
 *
 * Per provider type, as Flagger's own notifiers do it (pkg/notifier, docs/gitbook/usage/alerting.md):
 *   slack         slack.url = the address;
 *   discord       slack.url = the address + `/slack`: Discord's Slack-compatible endpoint, which is
 *                 what Flagger's own discord notifier posts to;
 *   rocket        slack.url = the address: Flagger's rocket notifier posts the same Slack payload;
 *   msteams       msteams.url = the address (Flagger posts a MessageCard, the connector format);
 *   generic       eventWebhook = the address: Flagger's own JSON (name, namespace, phase, metadata),
 *                 not Flux's event shape.
 * Not possible, so Flagger's alerts are not sent (status says so): googlechat (Flagger's gchat
 * notifier exists only as an AlertProvider each Canary must name), generic-hmac (Flagger's event
 * webhook does not sign), alertmanager (Flagger has no Alertmanager notifier).
 *
 * Flagger's Slack-style notifier refuses an empty channel, so `slack.channel` is set to `general`,
 * the default Flagger documents for its AlertProviders. Slack app webhooks and Discord ignore it
 * and post where the webhook points, as Flux's alerts do.
 */
import type { KubeObject } from '../../kube/object.js';
import { FLUX_NAMESPACE } from './sync.js';

/** The Secret the Flagger HelmRelease's valuesFrom names (profiles/base/controllers/flagger.yaml). */
export const FLAGGER_ALERTS_NAME = 'gitops-flagger-alerts';
export const FLAGGER_VALUES_KEY = 'values.yaml';
/** helm-controller upgrades a release at once when a Secret with this label changes (else at its interval). */
export const WATCH_LABEL = { 'reconcile.fluxcd.io/watch': 'Enabled' } as const;
export const FLAGGER_CHANNEL = 'general';

/** Which of Flagger's chart-wide notifiers carries the alerts. */
export type FlaggerNotifier = 'slack' | 'msteams' | 'eventWebhook';

export type FlaggerAlerts =
  | { sent: true; notifier: FlaggerNotifier; values: Record<string, unknown> }
  | { sent: false; why: string };

const UNSUPPORTED: Readonly<Record<string, string>> = {
  googlechat: "Flagger's Google Chat notifier is only an AlertProvider each Canary must name",
  'generic-hmac': "Flagger's event webhook does not sign its requests",
  alertmanager: 'Flagger has no Alertmanager notifier',
};

/** Flux's provider type and the address (from the Secret, never from Git). */
export function flaggerAlerts(dest: { provider: string; address: string }): FlaggerAlerts {
  const { provider, address } = dest;
  const slack = (url: string): FlaggerAlerts => ({
    sent: true,
    notifier: 'slack',
    values: { slack: { url, channel: FLAGGER_CHANNEL } },
  });
  switch (provider) {
    case 'slack':
    case 'rocket':
      return slack(address);
    case 'discord':
      return slack(discordSlackUrl(address));
    case 'msteams':
      return { sent: true, notifier: 'msteams', values: { msteams: { url: address } } };
    case 'generic':
      return { sent: true, notifier: 'eventWebhook', values: { eventWebhook: address } };
    default:
      return { sent: false, why: UNSUPPORTED[provider] ?? `Flagger has no notifier for ${provider}` };
  }
}

/** The notifier a values document sets (what status reports), never the URL itself. */
export function flaggerNotifierOf(values: unknown): FlaggerNotifier | undefined {
  const at = (key: string, sub?: string): unknown => {
    const v = isRecord(values) ? values[key] : undefined;
    return sub === undefined ? v : isRecord(v) ? v[sub] : undefined;
  };
  if (typeof at('msteams', 'url') === 'string' && at('msteams', 'url') !== '') return 'msteams';
  if (typeof at('slack', 'url') === 'string' && at('slack', 'url') !== '') return 'slack';
  if (typeof at('eventWebhook') === 'string' && at('eventWebhook') !== '') return 'eventWebhook';
  return undefined;
}

/** Discord's Slack-compatible endpoint: the webhook path plus `/slack`, as Flagger builds it. */
function discordSlackUrl(address: string): string {
  const url = new URL(address);
  if (url.pathname.endsWith('/slack')) return address;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/slack`;
  return url.toString();
}

/** The Secret: chart values under `values.yaml` (JSON, which Helm reads as YAML), base64 in data. */
export function flaggerAlertsSecret(values: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: FLAGGER_ALERTS_NAME,
      namespace: FLUX_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'gitops', ...WATCH_LABEL },
    },
    type: 'Opaque',
    data: { [FLAGGER_VALUES_KEY]: Buffer.from(flaggerValuesText(values), 'utf8').toString('base64') },
  };
}

export function flaggerValuesText(values: Record<string, unknown>): string {
  return `${JSON.stringify(values, null, 2)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
