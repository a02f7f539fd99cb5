import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingSink } from '../support/recording-sink.js';
import { applyObjects } from '../../src/integrations/kube/apply.js';
import { ApplyError } from '../../src/integrations/kube/apply-errors.js';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { widgetsBundle } from '../support/kube/fixtures.js';
import {
  configMap,
  deployment,
  type KubeClient,
  namespace,
  testClient,
  unique,
} from '../support/kube/helpers.js';

let client: KubeClient;
beforeAll(async () => {
  client = await testClient();
});
afterAll(() => client.close());

function actions(report: { objects: { ref: { kind: string; name: string }; action: string }[] }) {
  return Object.fromEntries(report.objects.map((o) => [`${o.ref.kind}/${o.ref.name}`, o.action]));
}

describe('server-side apply against a real kube-apiserver', () => {
  it('creates a set, then reports every object unchanged on the second run', async () => {
    const ns = unique('apply-twice');
    const objects: KubeObject[] = [
      namespace(ns),
      configMap(ns, 'a', { k: 'v' }),
      configMap(ns, 'b', { k: 'v' }),
      deployment(ns, 'web'),
    ];
    const sink = new RecordingSink();
    const first = await applyObjects(client, objects, { sink });
    expect(first.created).toBe(4);
    expect(Object.values(actions(first))).toEqual(['created', 'created', 'created', 'created']);
    expect(sink.ofType('info').map((e) => e.message)).toContain(`created Deployment ${ns}/web`);

    const second = await applyObjects(client, objects);
    expect(second.unchanged).toBe(4);
    expect(second.created + second.configured).toBe(0);
  });

  it('reports only the object whose field changed as configured', async () => {
    const ns = unique('apply-change');
    const objects = [
      namespace(ns),
      configMap(ns, 'a', { k: 'v' }),
      configMap(ns, 'b', { k: 'v' }),
      deployment(ns, 'web'),
    ];
    await applyObjects(client, objects);
    const changed = [
      namespace(ns),
      configMap(ns, 'a', { k: 'v' }),
      configMap(ns, 'b', { k: 'v' }),
      deployment(ns, 'web', 3),
    ];
    const report = await applyObjects(client, changed);
    expect(actions(report)).toEqual({
      [`Namespace/${ns}`]: 'unchanged',
      'ConfigMap/a': 'unchanged',
      'ConfigMap/b': 'unchanged',
      'Deployment/web': 'configured',
    });
    const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect(live?.spec).toMatchObject({ replicas: 3 });
  });

  it('applies a CRD and its custom objects from one file in the right order', async () => {
    const ns = unique('apply-crd');
    const { text, group } = widgetsBundle(ns);
    const objects = parseManifests(text, 'widgets.yaml');
    expect(objects.map((o) => o.kind)).toEqual([
      'Widget',
      'ConfigMap',
      'Deployment',
      'Service',
      'ClusterRole',
      'CustomResourceDefinition',
      'Namespace',
      'Widget',
    ]);
    const report = await applyObjects(client, objects);
    expect(report.created).toBe(8);
    // Namespaces and CRDs went first, whatever their place in the file.
    expect(
      report.objects
        .slice(0, 2)
        .map((o) => o.ref.kind)
        .sort(),
    ).toEqual(['CustomResourceDefinition', 'Namespace']);
    const widget = await client.get({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      namespace: ns,
      name: 'second',
    });
    expect(widget?.spec).toEqual({ size: 5 });

    const again = await applyObjects(client, parseManifests(text, 'widgets.yaml'));
    expect(again.unchanged).toBe(8);
  });

  it('reports a schema violation naming the object and the field', async () => {
    const ns = unique('apply-invalid');
    const { text, group } = widgetsBundle(ns);
    await applyObjects(client, parseManifests(text, 'widgets.yaml'));
    const bad: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'broken', namespace: ns },
      spec: { size: 'three', color: 'blue' },
    };
    const good = configMap(ns, 'fine', { k: 'v' });
    const error = await applyObjects(client, [bad, good]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const e = error as ApplyError;
    expect(e.message).toContain(`Widget ${ns}/broken`);
    expect(e.message).toContain('spec.size');
    expect(e.fault).toBe('user');
    expect(e.failures).toHaveLength(1);
    expect(e.failures[0]!.field).toBe('spec.size');
    // The valid object of the same set was still applied.
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }),
    ).toBeDefined();
  });

  it('names an unknown field of a built-in type', async () => {
    const ns = unique('apply-unknown');
    await applyObjects(client, [namespace(ns)]);
    const bad = deployment(ns, 'web');
    (bad.spec as Record<string, unknown>).replicaz = 2;
    const error = (await applyObjects(client, [bad]).catch((e: unknown) => e)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message).toContain(`Deployment ${ns}/web`);
    expect(error.message).toContain('replicaz');
  });

  it('tells namespaced from cluster-scoped objects by discovery', async () => {
    const ns = unique('apply-scope');
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      // A stray namespace on a cluster-scoped object is dropped, as kubectl does.
      metadata: { name: `${ns}-reader`, namespace: ns },
      rules: [],
    };
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-ns' }, data: {} };
    const report = await applyObjects(client, [namespace(ns), role, cm], { defaultNamespace: ns });
    const byKind = Object.fromEntries(report.objects.map((o) => [o.ref.kind, o.ref]));
    expect(byKind.ClusterRole!.namespace).toBeUndefined();
    expect(byKind.ConfigMap!.namespace).toBe(ns);
    expect(byKind.Namespace!.namespace).toBeUndefined();
    const clusterRole = await client.discovery.resolve('rbac.authorization.k8s.io/v1', 'ClusterRole');
    const configMapInfo = await client.discovery.resolve('v1', 'ConfigMap');
    expect([clusterRole.namespaced, configMapInfo.namespaced]).toEqual([false, true]);
  });
});
