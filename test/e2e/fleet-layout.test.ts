/**
 * The layered fleet layout in the sandbox, with the strict Flux stand-in: mobile (whose Flagger
 * Canary and MetricTemplate need the CRDs base's flagger release installs) goes from nothing to
 * ready in one pass, layer by layer; status names the profile version and each layer; a team's
 * patch in its layer overlay is applied by Flux, kept by a re-run of bootstrap, and diff sees no
 * drift on the new layout. Redis' password is a Secret generated in the cluster (in no commit),
 * the VPC CNI add-on enforces network policies, and the API's replica count is left to the HPA.
 * The canary's Gateway API router and metrics reach the cluster in configs, and status says that
 * no traffic is routed or shifted here.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAddonCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import {
  admin,
  sandbox,
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  eventually,
  gitops,
  pushAsSomeoneElse,
} from './helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';

const CLUSTER = 'e2e-mobile';
const API = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'api' };

async function replicasOf(kube: KubeClient): Promise<number | undefined> {
  return ((await kube.get(API))?.['spec'] as { replicas?: number } | undefined)?.replicas;
}

interface StatusDoc {
  ready: boolean;
  profile?: { name: string; version: string };
  layers: { name: string; ready: boolean; appliedRevision?: string }[];
  sync: { inSync: boolean; headRevision: string; appliedRevision: string };
  simulated: { kind: string; namespace: string; name: string; note: string }[];
}

describe('mobile on the layered fleet layout', () => {
  let fleet: { url: string; dir: string };
  let kube: KubeClient;

  // mobile needs the Route 53 zone external-dns may write to.
  const config = () => join(sandbox().gitRoot, `${CLUSTER}.gitops.yaml`);
  const mobileArgs = () => bootstrapArgs(CLUSTER, 'mobile', fleet.url, ['--config', config()]);

  beforeAll(async () => {
    fleet = await createFleetRepo(CLUSTER);
    kube = await admin();
    await writeFile(
      config(),
      'profile:\n  source: mobile\n  parameters:\n    hostedZoneId: Z0000000000EXAMPLE\n',
    );
  });
  afterAll(() => kube.close());

  it('goes from nothing to ready in one pass, each layer after the one before', async () => {
    const started = Date.now();
    const boot = await gitops(['-o', 'json', ...mobileArgs()]);
    expect(boot.code, boot.stderr).toBe(0);
    process.stdout.write(`mobile bootstrap from nothing: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const st = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
    expect(st.code, st.stdout).toBe(0);
    const doc = JSON.parse(st.stdout) as StatusDoc;
    expect(doc.profile).toEqual({ name: 'mobile', version: bundledVersion('mobile') });
    expect(doc.layers.map((l) => [l.name, l.ready, l.appliedRevision])).toEqual(
      ['controllers', 'configs', 'apps'].map((n) => [n, true, doc.sync.headRevision]),
    );
    // The objects of Flagger's CRDs reached the cluster in the layers after the release.
    for (const kind of ['Canary', 'MetricTemplate']) {
      const name = kind === 'Canary' ? 'api' : 'api-restarts';
      const live = await kube.get({ apiVersion: 'flagger.app/v1beta1', kind, name, namespace: 'api' });
      expect(live?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], kind).toBe(
        kind === 'Canary' ? 'apps' : 'configs',
      );
    }
    // The canary's router and metrics: the kinds of Envoy Gateway's chart (its CRDs, installed by
    // the stand-in from a chartRef to an OCIRepository) and of kube-prometheus-stack's, in configs.
    for (const ref of [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'envoy-gateway' },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'api', namespace: 'api' },
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'EnvoyProxy',
        name: 'api-gateway',
        namespace: 'api',
      },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', name: 'api', namespace: 'api' },
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'MetricTemplate',
        name: 'api-request-success-rate',
        namespace: 'api',
      },
    ]) {
      const live = await kube.get(ref);
      expect(live?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], ref.kind).toBe('configs');
    }
    // What the sandbox cannot show is said: no proxy routes, no weight shifts, no load is sent.
    const said = (name: string) =>
      doc.simulated.find((s) => s.kind === 'HelmRelease' && s.name === name)?.note;
    expect(said('envoy-gateway')).toMatch(/gateway-helm v1\.9\.0 .*no canary weight shifts it/);
    expect(said('flagger-loadtester')).toMatch(/no load is sent/);
    expect(said('flagger')).toMatch(/no canary is analysed/);
    // Nothing in Git sets the count (the HPA and Flagger own it): the API server's default stands.
    expect(await replicasOf(kube)).toBe(1);

    const redis = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'redis-auth', namespace: 'api' });
    const password = Buffer.from(
      ((redis?.['data'] ?? {}) as Record<string, string>)['password'] ?? '',
      'base64',
    ).toString();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(
      execFileSync('git', ['-C', fleet.dir, 'log', '-p', '--all', `-S${password}`], { encoding: 'utf8' }),
    ).toBe('');
    const env = sandbox().env;
    const eks = new EKSClient({
      endpoint: env['AWS_ENDPOINT_URL'],
      region: env['AWS_REGION'] ?? 'us-west-2',
      credentials: {
        accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '',
        secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? '',
      },
    });
    const cni = await eks.send(new DescribeAddonCommand({ clusterName: CLUSTER, addonName: 'vpc-cni' }));
    expect(JSON.parse(cni.addon?.configurationValues ?? '{}')).toEqual({ enableNetworkPolicy: 'true' });
    eks.destroy();
  });

  it("applies a team's overlay patch and keeps it through a re-run of bootstrap", async () => {
    const overlay = `clusters/${CLUSTER}/apps/kustomization.yaml`;
    await pushAsSomeoneElse(fleet.url, 'api: three replicas here', async (dir) => {
      const text = await readFile(join(dir, overlay), 'utf8');
      await writeFile(
        join(dir, overlay),
        `${text}patches:\n  - target: { kind: Deployment, name: api }\n    patch: |\n      - op: add\n        path: /spec/replicas\n        value: 3\n`,
      );
    });
    const applied = await eventually(async () => ((await replicasOf(kube)) ?? 0) === 3, 90_000, 500);
    expect(applied).toBe(true);
    const commits = await commitCount(fleet.dir);
    const again = await gitops(['-o', 'json', ...mobileArgs()]);
    expect(again.code, again.stderr).toBe(0);
    expect(await commitCount(fleet.dir)).toBe(commits);
    expect(await replicasOf(kube)).toBe(3);
    const diff = await gitops(['-o', 'json', 'diff', '--cluster', CLUSTER]);
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
  });
});
