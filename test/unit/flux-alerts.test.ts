/**
 * Alerts from spec to files: the --alerts flag and `alerts:` field, the environment's address
 * checked without ever being shown, and the Provider and Alerts written into the cluster folder,
 * checked against Flux's own CRD schemas and in the Provider version the installed Flux serves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHANGE_INCLUSIONS, fluxAlertObjects } from '../../src/integrations/reconciler/flux/alerts.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { fluxLayerFiles } from '../../src/integrations/reconciler/flux/layers.js';
import type { ReconcilerManifests } from '../../src/integrations/reconciler/reconciler.js';
import { alertsDestination } from '../../src/spec/alerts.js';
import { buildClusterSpec } from '../../src/spec/from-flags.js';
import { FLUX_293_COMPONENTS, fluxSchemaErrors } from '../support/flux/crd-schema.js';
import { ALERT_PROVIDER_TYPES } from '../../src/spec/schema.js';
import { FLUX_FIXTURE_DIR } from '../support/kube/fixtures.js';

const flags = { cluster: 'c', region: 'us-west-2', profile: 'ml', gitUrl: 'https://example.com/f.git' };
const SECRET_URL = 'https://hooks.example.com/services/T000/B000/XXXXsecretXXXX';

function manifestsOf(file: string): ReconcilerManifests {
  return {
    version: 'x',
    text: readFileSync(file, 'utf8'),
    sha256: '',
    origin: 'cache',
    location: file,
    verification: 'recorded',
  };
}

describe('the alerts spec', () => {
  it('takes --alerts and alerts.provider, and refuses a type it cannot hand an address to, naming the flag', () => {
    expect(buildClusterSpec({ flags: { ...flags, alerts: 'slack' } }).alerts).toEqual({ provider: 'slack' });
    expect(
      buildClusterSpec({
        flags,
        file: { data: { alerts: { provider: 'generic-hmac' } }, source: 'gitops.yaml', lineOf: () => 3 },
      }).alerts,
    ).toEqual({ provider: 'generic-hmac' });
    expect(buildClusterSpec({ flags }).alerts).toBeUndefined();
    expect(() => buildClusterSpec({ flags: { ...flags, alerts: 'pagerduty' } })).toThrow(
      /^--alerts "pagerduty": must be one of slack, msteams, discord, googlechat, rocket, generic, generic-hmac, alertmanager$/,
    );
    expect(() =>
      buildClusterSpec({
        flags,
        file: {
          data: { alerts: { provider: 'slack', address: 'x' } },
          source: 'gitops.yaml',
          lineOf: () => 4,
        },
      }),
    ).toThrow(/gitops\.yaml: alerts\.address: unknown field \(line 4\)/);
  });

  it('needs the address from the environment, and never shows it when it is wrong', () => {
    expect(alertsDestination(undefined, {})).toBeUndefined();
    expect(() => alertsDestination({ provider: 'slack' }, {})).toThrow(
      /--alerts slack: GITOPS_ALERTS_ADDRESS is not set/,
    );
    const bad = `ftp://x${SECRET_URL.slice(8)}`;
    let message = '';
    try {
      alertsDestination({ provider: 'generic' }, { address: bad });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/GITOPS_ALERTS_ADDRESS: not an http:\/\/ or https:\/\/ URL/);
    expect(message).not.toContain('secret');
    expect(() => alertsDestination({ provider: 'generic-hmac' }, { address: SECRET_URL })).toThrow(
      /GITOPS_ALERTS_TOKEN is not set/,
    );
    expect(
      alertsDestination({ provider: 'generic-hmac' }, { address: SECRET_URL, token: 'k'.repeat(32) }),
    ).toEqual({
      provider: 'generic-hmac',
      address: SECRET_URL,
      token: 'k'.repeat(32),
    });
    // A token is handed over only where it signs.
    expect(alertsDestination({ provider: 'slack' }, { address: SECRET_URL, token: 't'.repeat(32) })).toEqual({
      provider: 'slack',
      address: SECRET_URL,
    });
  });
});

describe('the files Flux gets', () => {
  const values = {
    data: { cluster: 'research', region: 'us-west-2' },
    profile: { name: 'ml', version: '1.1.0' },
  };
  const layers = [{ name: 'controllers', path: 'clusters/research/controllers' }];

  it('the root applies alerts.yaml beside the layers: a Provider naming the Secret, an error and a change Alert', () => {
    const files = fluxLayerFiles({ layers, values, alerts: { provider: 'msteams' } });
    expect(files['kustomization.yaml']).toMatch(/ {2}- alerts\.yaml\n {2}- layers\.yaml\n/);
    const objects = parseAllDocuments(files['alerts.yaml']!).map((d) => d.toJS() as Record<string, unknown>);
    expect(objects.map((o) => `${o['kind']}/${(o['metadata'] as { name: string }).name}`)).toEqual([
      'Provider/gitops-alerts',
      'Alert/gitops-failures',
      'Alert/gitops-changes',
    ]);
    expect(objects[0]).toMatchObject({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      spec: { type: 'msteams', secretRef: { name: 'gitops-alerts' } },
    });
    expect(objects[1]).toMatchObject({
      spec: { eventSeverity: 'error', eventMetadata: { cluster: 'research' } },
    });
    expect(JSON.stringify(objects[1])).toMatch(/HelmRelease.*Kustomization|Kustomization.*HelmRelease/);
    expect(objects[2]).toMatchObject({ spec: { eventSeverity: 'info', inclusionList: CHANGE_INCLUSIONS } });
    expect(fluxLayerFiles({ layers, values })['alerts.yaml']).toBeUndefined();
    expect(fluxLayerFiles({ layers, values })['kustomization.yaml']).not.toMatch(/alerts/);
  });

  // Needs Flux's real components from ../shared (absent in a plain clone): skipped, saying so.
  it.skipIf(!existsSync(FLUX_293_COMPONENTS))(
    "are valid for Flux v2.9.3's Provider and Alert CRDs (needs ../shared/fixtures/flux-v2.9.3)",
    () => {
      const kinds = flux.apiKinds(manifestsOf(FLUX_293_COMPONENTS));
      for (const provider of ALERT_PROVIDER_TYPES) {
        for (const o of fluxAlertObjects({ provider, cluster: 'c', kinds })) {
          expect(fluxSchemaErrors(o), `${o.kind} ${provider}`).toEqual([]);
        }
      }
    },
  );

  it.skipIf(!existsSync(join(FLUX_FIXTURE_DIR, 'gotk-components.yaml')))(
    'are written in the Provider version the installed Flux serves (v1beta2 before Flux 2.2; needs ../shared/fixtures/flux)',
    () => {
      const old = join(FLUX_FIXTURE_DIR, 'gotk-components.yaml');
      const objects = fluxAlertObjects({ provider: 'slack', kinds: flux.apiKinds(manifestsOf(old)) });
      expect(new Set(objects.map((o) => o.apiVersion))).toEqual(
        new Set(['notification.toolkit.fluxcd.io/v1beta2']),
      );
    },
  );

  it("the change Alert's inclusion list catches kustomize-controller's change log lines, as Go and JavaScript read it", () => {
    const re = new RegExp(CHANGE_INCLUSIONS[0]!);
    expect(re.test('Deployment/api/api configured')).toBe(true);
    expect(re.test('ConfigMap/a/b created\nDeployment/api/api configured')).toBe(true);
    expect(re.test('Dependencies do not meet ready condition, retrying in 30s')).toBe(false);
    expect(re.test('Deployment/api/api deleted')).toBe(false);
  });
});
