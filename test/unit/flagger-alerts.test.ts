// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates use ${cluster} on purpose
/**
 * Flagger's alerts for each of Flux's provider types: the chart values that send them to the same
 * address (through which of Flagger's notifiers) or why Flagger cannot; the Secret that carries
 * them; the base profile's Flagger HelmRelease that reads it; and the status line that says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/render/status.js';
import { bundledProfilesDir } from '../../src/integrations/profiles/catalog.js';
import {
  FLAGGER_ALERTS_NAME,
  FLAGGER_VALUES_KEY,
  flaggerAlerts,
  flaggerAlertsSecret,
  flaggerNotifierOf,
} from '../../src/integrations/reconciler/flux/flagger-alerts.js';
import { createStyle } from '../../src/io/style.js';
import { ALERT_PROVIDER_TYPES } from '../../src/spec/schema.js';
import { healthyStatus } from './status-doc.js';
import type { StatusDocument } from '../../src/usecases/status.js';

const ADDRESS = 'https://hooks.example.test/services/T0/B0/flagger-secret';

describe("Flagger's alerts per provider type", () => {
  it('sends to the same address through the notifier Flagger has for it, or says why it cannot', () => {
    const table = Object.fromEntries(
      ALERT_PROVIDER_TYPES.map((provider) => [provider, flaggerAlerts({ provider, address: ADDRESS })]),
    );
    const slack = (url: string) => ({
      sent: true,
      notifier: 'slack',
      values: { slack: { url, channel: 'general' } },
    });
    expect(table).toEqual({
      slack: slack(ADDRESS),
      // Flagger's rocket notifier posts the Slack payload; its discord one posts it to `<address>/slack`.
      rocket: slack(ADDRESS),
      discord: slack(`${ADDRESS}/slack`),
      msteams: { sent: true, notifier: 'msteams', values: { msteams: { url: ADDRESS } } },
      generic: { sent: true, notifier: 'eventWebhook', values: { eventWebhook: ADDRESS } },
      googlechat: { sent: false, why: expect.stringMatching(/AlertProvider each Canary must name/) },
      'generic-hmac': { sent: false, why: expect.stringMatching(/does not sign/) },
      alertmanager: { sent: false, why: expect.stringMatching(/no Alertmanager notifier/) },
    });
  });

  it("builds Discord's Slack-compatible address as Flagger does: once, keeping the query", () => {
    const url = (address: string) => {
      const r = flaggerAlerts({ provider: 'discord', address });
      return r.sent ? (r.values['slack'] as { url: string }).url : undefined;
    };
    expect(url('https://discord.test/api/webhooks/1/tok/slack')).toBe(
      'https://discord.test/api/webhooks/1/tok/slack',
    );
    expect(url('https://discord.test/api/webhooks/1/tok/')).toBe(
      'https://discord.test/api/webhooks/1/tok/slack',
    );
    expect(url('https://discord.test/api/webhooks/1/tok?wait=true')).toBe(
      'https://discord.test/api/webhooks/1/tok/slack?wait=true',
    );
  });

  it('reads the notifier back from the values (what status reports), never needing the URL', () => {
    for (const provider of ALERT_PROVIDER_TYPES) {
      const r = flaggerAlerts({ provider, address: ADDRESS });
      if (r.sent) expect(flaggerNotifierOf(r.values), provider).toBe(r.notifier);
    }
    expect(flaggerNotifierOf({ slack: { url: '' } })).toBeUndefined();
    expect(flaggerNotifierOf('not values')).toBeUndefined();
  });

  it('stores the values in flux-system, labelled for helm-controller to react at once', () => {
    const secret = flaggerAlertsSecret({ slack: { url: ADDRESS, channel: 'general' } });
    expect(secret.metadata).toEqual({
      name: FLAGGER_ALERTS_NAME,
      namespace: 'flux-system',
      labels: { 'app.kubernetes.io/managed-by': 'gitops', 'reconcile.fluxcd.io/watch': 'Enabled' },
    });
    const text = Buffer.from(
      String((secret.data as Record<string, string>)[FLAGGER_VALUES_KEY]),
      'base64',
    ).toString();
    // Helm reads values as YAML; JSON is YAML.
    expect(parse(text)).toEqual({ slack: { url: ADDRESS, channel: 'general' } });
  });
});

describe("the base profile's Flagger", () => {
  const release = parseAllDocuments(
    readFileSync(join(bundledProfilesDir(), 'base', 'controllers', 'flagger.yaml'), 'utf8'),
  )
    .map((d) => d.toJS() as { kind: string; metadata: { namespace: string }; spec: Record<string, unknown> })
    .find((o) => o.kind === 'HelmRelease')!;

  it('reads the Secret bootstrap writes, optionally, from its own namespace (where helm-controller looks)', () => {
    expect(release.metadata.namespace).toBe('flux-system');
    expect(release.spec['valuesFrom']).toEqual([
      { kind: 'Secret', name: FLAGGER_ALERTS_NAME, valuesKey: FLAGGER_VALUES_KEY, optional: true },
    ]);
  });

  it('sets none of the notifier values inline: inline values would override the Secret', () => {
    expect(flaggerNotifierOf(release.spec['values'])).toBeUndefined();
    expect(release.spec['values']).toMatchObject({ clusterName: '${cluster}' });
  });
});

describe('status text', () => {
  it("shows under the alerts line where Flagger's canary alerts go, or why not", () => {
    const doc = (flagger: { sent: boolean; note: string }): StatusDocument =>
      healthyStatus({ alerts: { provider: 'slack', ready: true, reason: 'Provider ready', flagger } });
    const lines = (f: { sent: boolean; note: string }) =>
      renderStatus(doc(f), createStyle(false)).split('\n');
    const sent = lines({ sent: true, note: "Flagger's slack notifier (HelmRelease flagger)" });
    const at = sent.findIndex((l) => /alerts\s+to slack/.test(l));
    expect(sent[at + 1]).toBe("              canaries via Flagger's slack notifier (HelmRelease flagger)");
    const not = lines({ sent: false, note: "not sent: Flagger's event webhook does not sign its requests" });
    expect(not.find((l) => l.includes('canaries'))?.trim()).toBe(
      "canaries not sent: Flagger's event webhook does not sign its requests",
    );
  });
});
