/**
 * Every object the bundled profiles render is checked against the API version it declares:
 * by server-side dry-run apply to the local kube-apiserver (1.20) when it serves that version
 * (the CRDs of Flagger, KServe's ClusterServingRuntime, Envoy Gateway and PodMonitor installed first, from CRD_FIXTURES), otherwise against the version's published JSON schema
 * (kubernetes-models for Kubernetes APIs; for Flux's kinds the CRD schemas of Flux v2.9.3 from
 * ../shared/fixtures/flux-v2.9.3, since no schema package that supports Node 20 has
 * helm.toolkit.fluxcd.io/v2). An object that neither can check fails the test. Flux's kinds are
 * checked in tests of their own, which skip where the Flux fixture is absent (their titles say
 * so); the other tests keep their premise either way.
 * The table printed at the end says how each object was checked.
 *
 * A 1.20 apiserver drops unknown fields instead of refusing them, so after each dry run every
 * field we sent must come back unchanged: a dropped field is a typo or a field of another version.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/integrations/kube/apply.js';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { FLUX } from '../support/flux-kinds.js';
import { fleetTree, writeFiles } from '../unit/profiles-helpers.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { FLUX_293_COMPONENTS, fluxSchemaErrors } from '../support/flux/crd-schema.js';
import { readCrdFile } from '../support/sandbox/standin/charts.js';
import { type KubeClient, testClient, unique } from '../support/kube/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;

interface Checked {
  profile: string;
  object: string;
  file: string;
  method: string;
  problem?: string;
}

let client: KubeClient;
const suffix = unique('pv').slice(3);
const results: Checked[] = [];
const createdNamespaces = new Set<string>();

/**
 * The CRDs of the charts the profiles' objects use, kept as fixtures (each file's header says where
 * it comes from and what 1.20 needed changed). Envoy Gateway's lost their CEL rules, which a 1.20
 * apiserver cannot run: objects of those groups are checked against the rest of the schema.
 */
const CRD_FIXTURES = [
  'flagger-v1.38.0-crds.yaml',
  'kserve-v0.15.2-clusterservingruntimes-crd.yaml',
  'envoy-gateway-v1.9.0-crds.yaml.gz',
  'prometheus-operator-v0.78.1-podmonitors.yaml',
];
const WITHOUT_CEL = new Set(['gateway.networking.k8s.io', 'gateway.envoyproxy.io']);

beforeAll(async () => {
  client = await testClient();
  const crds = CRD_FIXTURES.flatMap((file) =>
    parseManifests(readCrdFile(path.join(here, 'profiles-fixtures', file)), file),
  );
  // Created with a plain POST: the 1.20 apiserver's server-side apply turns the CRDs'
  // `default: ""` into null and then refuses it (fixed in later releases).
  for (const crd of crds) {
    await client.http
      .request({ method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd })
      .catch((e: unknown) => {
        if ((e as { status?: number }).status !== 409) throw e;
      });
  }
  for (const crd of crds) {
    const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name! };
    for (let i = 0; ; i++) {
      const live = await client.get(ref);
      const conditions = (live?.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions;
      if (conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 100) throw new Error(`CRD ${ref.name} not established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  for (const name of createdNamespaces) {
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name }).catch(() => undefined);
  }
  const width = Math.max(...results.map((r) => r.object.length));
  const lines = results.map(
    (r) =>
      `${r.profile.padEnd(7)} ${r.object.padEnd(width)}  ${r.problem ? `FAILED ${r.problem}` : r.method}`,
  );
  process.stdout.write(`\nHow each rendered object was validated:\n${lines.join('\n')}\n`);
  client?.close();
});

/**
 * The objects Flux would apply for a cluster on this profile, as `gitops diff` builds them: the
 * rendered fleet files written to a checkout, each layer built with its post-build substitution.
 * `file` names the layer the object comes from.
 */
async function renderedObjects(profile: string): Promise<{ object: KubeObject; file: string }[]> {
  const spec = {
    kubernetesVersion: '1.34',
    ...clusterSpecSchema.parse({
      name: 'validate',
      region: 'us-west-2',
      // mobile's external-dns is limited to a hosted zone that has no default.
      profile: {
        source: profile,
        parameters: profile === 'mobile' ? { hostedZoneId: 'Z0000000000EXAMPLE' } : {},
      },
      fleet: { url: 'file:///tmp/fleet.git' },
    }),
  };
  const out = renderCluster({
    spec,
    profile: await resolveProfile(profile, { env: process.env }),
    accountId: '123456789012',
    reconciler: FLUX,
  });
  const checkout = mkdtempSync(path.join(os.tmpdir(), 'gitops-validate-'));
  try {
    writeFiles(checkout, fleetTree(out));
    const desired = await flux.desired(checkout, out.path);
    // The layers' objects, and what the root applies beside flux-system/: the values ConfigMap and
    // the layer Kustomizations (checked against Flux's own schema).
    const layers = new Set<string>(['flux-system', ...out.layers.map((l) => l.name)]);
    return desired.objects
      .filter((o) => layers.has(o.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'] ?? ''))
      .map((object) => ({
        object,
        file: `layer ${object.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']}`,
      }));
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

/** Same object under names of its own, so checks never collide with other tests on the shared server. */
function isolated(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  if (copy.metadata.namespace) copy.metadata.namespace = `${copy.metadata.namespace}-${suffix}`.slice(0, 63);
  else copy.metadata.name = `${copy.metadata.name}-${suffix}`.slice(0, 63);
  return copy;
}

/** Paths (a.b[0].c) of fields we sent that came back missing or different. */
function droppedFields(sent: unknown, got: unknown, at = ''): string[] {
  if (sent === null || typeof sent !== 'object') {
    return String(sent) === String(got)
      ? []
      : [`${at} (sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)})`];
  }
  if (got === null || typeof got !== 'object') return [`${at} (dropped)`];
  const out: string[] = [];
  if (Array.isArray(sent)) {
    sent.forEach((v, i) => {
      out.push(...droppedFields(v, (got as unknown[])[i], `${at}[${i}]`));
    });
  } else {
    for (const [k, v] of Object.entries(sent)) {
      out.push(...droppedFields(v, (got as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
    }
  }
  return out;
}

async function serverSide(o: KubeObject): Promise<string | undefined> {
  const info = await client.discovery.find(o.apiVersion, o.kind, true);
  if (!info) return undefined;
  const obj = isolated(o);
  if (obj.metadata.namespace && !createdNamespaces.has(obj.metadata.namespace)) {
    createdNamespaces.add(obj.metadata.namespace);
    await applyObjects(client, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: obj.metadata.namespace } },
    ]);
  }
  const { object } = await client.applyRaw(info, obj, {
    dryRun: true,
    force: true,
    fieldManager: 'gitops-validate',
  });
  const dropped = droppedFields(obj, object);
  if (dropped.length > 0) throw new Error(`the apiserver dropped or changed ${dropped.join(', ')}`);
  const group = o.apiVersion.split('/')[0]!;
  return WITHOUT_CEL.has(group)
    ? "server-side dry-run apply (kube-apiserver 1.20; the CRD's CEL rules not checked)"
    : 'server-side dry-run apply (kube-apiserver 1.20)';
}

const haveFlux = existsSync(FLUX_293_COMPONENTS);
const isFlux = (o: KubeObject) => o.apiVersion.split('/')[0]!.endsWith('.fluxcd.io');

async function jsonSchema(o: KubeObject): Promise<string | undefined> {
  if (isFlux(o)) {
    const errors = fluxSchemaErrors(o);
    if (errors === undefined) return undefined;
    if (errors.length > 0) throw new Error(errors.join('; '));
    return `JSON schema of ${o.apiVersion} (Flux v2.9.3 CRD)`;
  }
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  if (!(group === '' || !group.includes('.') || group.endsWith('.k8s.io'))) return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`kubernetes-models/${o.apiVersion}`)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const Model = mod[o.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) return undefined;
  new Model(o).validate();
  return `JSON schema of ${o.apiVersion} (kubernetes-models ${versionOf('kubernetes-models')})`;
}

const rendered = new Map<string, Promise<{ object: KubeObject; file: string }[]>>();

/** Checks the profile's rendered objects of Flux's kinds, or all the others; fails on any problem. */
async function checkObjects(profile: string, which: 'flux' | 'others'): Promise<void> {
  if (!rendered.has(profile)) rendered.set(profile, renderedObjects(profile));
  const all = await rendered.get(profile)!;
  expect(all.length).toBeGreaterThan(5);
  const objects = all.filter(({ object }) => isFlux(object) === (which === 'flux'));
  expect(objects.length).toBeGreaterThan(0);
  const failed: Checked[] = [];
  for (const { object, file } of objects) {
    const name = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const entry: Checked = { profile, object: name, file, method: '' };
    try {
      const method = (await serverSide(object)) ?? (await jsonSchema(object));
      if (!method) throw new Error('neither served by the apiserver nor covered by a JSON schema package');
      entry.method = method;
    } catch (e) {
      entry.problem = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      failed.push(entry);
    }
    results.push(entry);
  }
  expect(failed).toEqual([]);
}

const needsFlux = `needs Flux v2.9.3's CRDs, ${FLUX_293_COMPONENTS}`;

describe.each(['base', 'ml', 'mobile'])(
  'profile %s: every rendered object is valid for its API version',
  (profile) => {
    it("checks each object not of Flux's kinds by server-side apply where served, else by published JSON schema", () =>
      checkObjects(profile, 'others'));

    it.skipIf(!haveFlux)(`checks its objects of Flux's kinds against their CRD schemas (${needsFlux})`, () =>
      checkObjects(profile, 'flux'),
    );
  },
);

describe('the checks themselves', () => {
  it('catch a field the apiserver silently drops, and a misspelt field of a typed list', async () => {
    const typo: KubeObject = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'typo', namespace: 'api' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        service: { port: 80 },
        // `maxWeigth` is a typo the 1.20 apiserver prunes without a word.
        analysis: { interval: '1m', threshold: 2, iterations: 5, maxWeigth: 50 },
      },
    };
    await expect(serverSide(typo)).rejects.toThrow(/dropped or changed spec\.analysis\.maxWeigth/);
    // The kept Gateway API schema is real: a misspelt listener field is refused (listeners are a
    // list map, which server-side apply types strictly even on 1.20).
    const gateway: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'typo', namespace: 'api' },
      spec: {
        gatewayClassName: 'envoy-gateway',
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80, allowedRoute: { namespaces: { from: 'Same' } } },
        ],
      },
    };
    await expect(serverSide(gateway)).rejects.toThrow(/listeners.*allowedRoute/);
  });

  it.skipIf(!haveFlux)(`catch a wrong type in an object of Flux's kinds (${needsFlux})`, async () => {
    const badType: KubeObject = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'x', namespace: 'flux-system' },
      spec: {
        interval: 5,
        chart: { spec: { chart: 'c', sourceRef: { kind: 'HelmRepository', name: 'r' } } },
      },
    };
    await expect(jsonSchema(badType)).rejects.toThrow(/interval must be string/);
  });
});

describe('validation coverage', () => {
  it('used the apiserver for served versions and JSON schemas for the rest', () => {
    const method = (needle: string) => results.find((r) => r.object.includes(needle))?.method ?? '';
    expect(method('apps/v1 Deployment api/api')).toMatch(/server-side/);
    expect(method('flagger.app/v1beta1 Canary api/api')).toMatch(/server-side/);
    expect(method('networking.k8s.io/v1 Ingress envoy-gateway-system/api')).toMatch(/server-side/);
    // The router and metrics of mobile's canary, against their charts' own schemas.
    expect(method('gateway.networking.k8s.io/v1 GatewayClass envoy-gateway')).toMatch(/server-side.*CEL/);
    expect(method('gateway.networking.k8s.io/v1 Gateway api/api')).toMatch(/server-side.*CEL/);
    expect(method('gateway.envoyproxy.io/v1alpha1 EnvoyProxy api/api-gateway')).toMatch(/server-side.*CEL/);
    expect(method('monitoring.coreos.com/v1 PodMonitor api/api')).toMatch(/server-side/);
    expect(method('flagger.app/v1beta1 MetricTemplate api/api-request-success-rate')).toMatch(/server-side/);
    // ml's model rollout: its Canary, router and metrics, and the Deployment the Canary targets.
    expect(method('apps/v1 Deployment models/sample-model')).toMatch(/server-side/);
    expect(method('flagger.app/v1beta1 Canary models/sample-model')).toMatch(/server-side/);
    expect(method('gateway.networking.k8s.io/v1 Gateway models/models')).toMatch(/server-side.*CEL/);
    expect(method('gateway.envoyproxy.io/v1alpha1 EnvoyProxy models/models-gateway')).toMatch(
      /server-side.*CEL/,
    );
    expect(method('monitoring.coreos.com/v1 PodMonitor models/sample-model')).toMatch(/server-side/);
    expect(method('flagger.app/v1beta1 MetricTemplate models/model-request-duration')).toMatch(/server-side/);
    expect(method('networking.k8s.io/v1 Ingress envoy-gateway-system/sample-model')).toMatch(/server-side/);
    expect(method('autoscaling/v2 HorizontalPodAutoscaler models/sample-model')).toMatch(
      /JSON schema of autoscaling\/v2/,
    );
    // 1.20 serves neither policy/v1 (1.21+) nor autoscaling/v2 (1.23+).
    expect(method('policy/v1 PodDisruptionBudget api/api')).toMatch(/JSON schema of policy\/v1/);
    expect(method('autoscaling/v2 HorizontalPodAutoscaler api/api')).toMatch(
      /JSON schema of autoscaling\/v2/,
    );
    expect(results.every((r) => r.method !== '' && !r.problem)).toBe(true);
  });

  it.skipIf(!haveFlux)(`used Flux's CRDs for Flux's kinds (${needsFlux})`, () => {
    const method = results.find((r) =>
      r.object.includes('helm.toolkit.fluxcd.io/v2 HelmRelease flux-system/kserve'),
    )?.method;
    expect(method).toMatch(/server-side|Flux v2\.9\.3 CRD/);
  });
});
