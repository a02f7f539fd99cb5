import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  admin,
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  eventually,
  gitops,
  mutatingCallsSince,
  sandbox,
  ML_TAGGED,
  taggedFor,
} from './helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';
import { REPO_ROOT } from '../support/kube/testenv.js';

/** A parameter's default as the bundled ml profile declares it. */
function mlDefault(name: string): string {
  const doc = parse(readFileSync(join(REPO_ROOT, 'profiles', 'ml', 'profile.yaml'), 'utf8')) as {
    parameters: { name: string; default?: unknown }[];
  };
  return String(doc.parameters.find((p) => p.name === name)?.default);
}

describe('bootstrap ml in the sandbox', () => {
  it('goes from nothing to ready, a re-run changes nothing, and a new model version reaches its Canary through Git', async () => {
    const fleet = await createFleetRepo('e2e-ml');
    const first = await gitops(['-o', 'json', ...bootstrapArgs('e2e-ml', 'ml', fleet.url)]);
    expect(first.stderr).not.toMatch(/error:/);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout) as {
      ok: boolean;
      steps: { id: string; result: string }[];
      fleet: { committed: boolean };
    };
    expect(doc.ok).toBe(true);
    expect(doc.fleet.committed).toBe(true);
    expect(doc.steps.find((s) => s.id === 'aws:cluster')?.result).toBe('created');

    // What AWS now holds for the cluster: one of each, node groups and add-ons of the ml profile.
    expect(await taggedFor('e2e-ml')).toMatchObject(ML_TAGGED);

    const status = await gitops(['-o', 'json', 'status', '--cluster', 'e2e-ml']);
    expect(status.code).toBe(0);
    const st = JSON.parse(status.stdout) as {
      ready: boolean;
      cluster: { status: string };
      sync: { inSync: boolean; headRevision: string; appliedRevision: string };
      profile: { name: string; version: string };
      layers: { name: string; ready: boolean; appliedRevision: string }[];
      simulated: { kind: string; namespace: string; name: string; note: string }[];
    };
    expect(st).toMatchObject({ ready: true, cluster: { status: 'ACTIVE' }, sync: { inSync: true } });
    expect(st.sync.appliedRevision).toBe(st.sync.headRevision);
    // One pass, layer by layer: each applied the pushed revision.
    expect(st.profile).toEqual({ name: 'ml', version: bundledVersion('ml') });
    expect(st.layers.map((l) => [l.name, l.ready, l.appliedRevision])).toEqual(
      ['controllers', 'configs', 'apps'].map((n) => [n, true, st.sync.headRevision]),
    );

    // The profile's workloads reached the cluster through the Flux stand-in.
    const kube = await admin();
    let secrets: string[] = [];
    try {
      const mlflow = await kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'mlflow',
        namespace: 'mlflow',
      });
      expect(mlflow?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('apps');
      // The sample model's rollout: its router (the kinds of Envoy Gateway's chart) and metrics in
      // configs, the model and its Canary in apps, the model's version from sampleModelUri.
      const layerOf = async (ref: { apiVersion: string; kind: string; name: string; namespace?: string }) =>
        (await kube.get(ref))?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'];
      for (const [apiVersion, kind, name, namespace] of [
        ['gateway.networking.k8s.io/v1', 'GatewayClass', 'envoy-gateway', undefined],
        ['gateway.networking.k8s.io/v1', 'Gateway', 'models', 'models'],
        ['gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy', 'models-gateway', 'models'],
        ['monitoring.coreos.com/v1', 'PodMonitor', 'sample-model', 'models'],
        ['flagger.app/v1beta1', 'MetricTemplate', 'model-request-success-rate', 'models'],
        ['flagger.app/v1beta1', 'MetricTemplate', 'model-request-duration', 'models'],
      ] as const) {
        expect(await layerOf({ apiVersion, kind, name, namespace }), `${kind} ${name}`).toBe('configs');
      }
      const canary = {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        name: 'sample-model',
        namespace: 'models',
      };
      expect(await layerOf(canary)).toBe('apps');
      const model = await kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'sample-model',
        namespace: 'models',
      });
      expect(model?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('apps');
      const modelSpec = (model?.['spec'] ?? {}) as {
        replicas?: number;
        template?: { spec?: { serviceAccountName?: string; initContainers?: { args?: string[] }[] } };
      };
      expect(modelSpec.template?.spec?.initContainers?.[0]?.args?.[0]).toBe(mlDefault('sampleModelUri'));
      // The pods run as the account whose Pod Identity role reads MLflow's bucket, applied beside them.
      const account = modelSpec.template?.spec?.serviceAccountName;
      expect(account).toBe('sample-model');
      expect(
        await layerOf({ apiVersion: 'v1', kind: 'ServiceAccount', name: account!, namespace: 'models' }),
      ).toBe('apps');
      // Nothing in Git sets the count (the HPA and Flagger own it): the apiserver's default stands.
      expect(modelSpec.replicas).toBe(1);
      // What the sandbox cannot show is said: no proxy routes, no weight shifts, no load is sent,
      // no canary is analysed.
      const said = (release: string) =>
        st.simulated.find((x) => x.kind === 'HelmRelease' && x.name === release)?.note;
      expect(said('envoy-gateway')).toMatch(/gateway-helm v1\.9\.0 .*no canary weight shifts it/);
      expect(said('flagger-loadtester')).toMatch(/no load is sent/);
      expect(said('flagger')).toMatch(/no canary is analysed/);
      // KServe's CRDs came from the controllers layer's kserve-crd release.
      expect(
        await kube.get({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: 'inferenceservices.serving.kserve.io',
        }),
      ).toBeDefined();
      // JupyterHub's shared passwords were generated in the cluster before the apps started, and
      // are nowhere in the fleet repository.
      const auth = await kube.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'jupyterhub-auth',
        namespace: 'jupyterhub',
      });
      const data = (auth?.['data'] ?? {}) as Record<string, string>;
      const values = ['user-password', 'admin-password'].map((k) =>
        Buffer.from(data[k] ?? '', 'base64').toString(),
      );
      expect(values.map((v) => v.length)).toEqual([43, 43]);
      expect(values[0]).not.toBe(values[1]);
      for (const v of values) {
        const found = execFileSync('git', ['-C', fleet.dir, 'log', '-p', '--all', `-S${v}`], {
          encoding: 'utf8',
        });
        expect(found).toBe('');
      }
      secrets = values;
    } finally {
      kube.close();
    }

    const commits = await commitCount(fleet.dir);
    const before = Date.now();
    const again = await gitops(['-o', 'json', ...bootstrapArgs('e2e-ml', 'ml', fleet.url)]);
    expect(again.code).toBe(0);
    const redo = JSON.parse(again.stdout) as { steps: { id: string; result: string }[] };
    expect(redo.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
    expect(await commitCount(fleet.dir)).toBe(commits);
    expect(await mutatingCallsSince(before)).toEqual([]);
    // The re-run kept the generated passwords (JupyterHub already uses them).
    const kube2 = await admin();
    try {
      const auth = await kube2.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'jupyterhub-auth',
        namespace: 'jupyterhub',
      });
      const data = (auth?.['data'] ?? {}) as Record<string, string>;
      expect(
        ['user-password', 'admin-password'].map((k) => Buffer.from(data[k] ?? '', 'base64').toString()),
      ).toEqual(secrets);

      // A new model version is a new sampleModelUri: bootstrap commits it to the cluster's values
      // and Flux applies it to the pod template of the Canary's target, which is where Flagger
      // (not running here, and status says so) would start the canary.
      const next = `${mlDefault('sampleModelUri')}-2`;
      const config = join(sandbox().gitRoot, 'e2e-ml.gitops.yaml');
      writeFileSync(config, `profile:\n  source: ml\n  parameters:\n    sampleModelUri: ${next}\n`);
      const upgrade = await gitops([
        '-o',
        'json',
        ...bootstrapArgs('e2e-ml', 'ml', fleet.url, ['--config', config]),
      ]);
      expect(upgrade.code, upgrade.stderr).toBe(0);
      expect(await commitCount(fleet.dir)).toBe(commits + 1);
      const modelUri = async () => {
        const live = await kube2.get({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'sample-model',
          namespace: 'models',
        });
        const spec = (live?.['spec'] ?? {}) as {
          template?: { spec?: { initContainers?: { args?: string[] }[] } };
        };
        return spec.template?.spec?.initContainers?.[0]?.args?.[0];
      };
      expect(await eventually(async () => (await modelUri()) === next, 90_000, 500)).toBe(true);
      const after = JSON.parse((await gitops(['-o', 'json', 'status', '--cluster', 'e2e-ml'])).stdout) as {
        simulated: { kind: string; name: string; note: string }[];
      };
      expect(after.simulated.find((x) => x.kind === 'HelmRelease' && x.name === 'flagger')?.note).toMatch(
        /no canary is analysed, promoted or rolled back/,
      );
    } finally {
      kube2.close();
    }
  });
});
