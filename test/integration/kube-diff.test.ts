import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/integrations/kube/apply.js';
import type { ApplyError } from '../../src/integrations/kube/apply-errors.js';
import { type Drift, diffObjects } from '../../src/integrations/kube/diff.js';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
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

const byName = (drifts: Drift[]): Record<string, Drift> =>
  Object.fromEntries(drifts.map((d) => [d.ref.name, d]));

describe('drift, conflicts and inventory', () => {
  it('reports missing, differing and in-sync objects without changing anything', async () => {
    const ns = unique('diff');
    const objects = [namespace(ns), configMap(ns, 'same', { k: 'v' }), deployment(ns, 'web', 2)];
    await applyObjects(client, objects);

    // Someone edits the live Deployment (another field manager, as `kubectl scale` would).
    await client.http.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
      query: { fieldManager: 'kubectl-scale' },
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    const desired = [...objects, configMap(ns, 'new', { k: 'v' })];
    const before = await client.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: ns,
      name: 'web',
    });
    const drifts = byName(await diffObjects(client, desired));
    expect(drifts.same).toMatchObject({ state: 'in-sync' });
    expect(drifts.new).toMatchObject({ state: 'missing' });
    expect(drifts.web).toMatchObject({ state: 'differs' });
    expect(drifts.web!.fields).toContain('spec.replicas');
    expect(drifts[ns]).toMatchObject({ state: 'in-sync' });
    // A dry run is a dry run.
    const after = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'new' }),
    ).toBeUndefined();
  });

  it('counts custom objects of a CRD not yet installed as missing', async () => {
    const ns = unique('diff-crd');
    const objects = parseManifests(widgetsBundle(ns).text, 'widgets.yaml');
    const drifts = await diffObjects(client, objects);
    expect(drifts.every((d) => d.state === 'missing')).toBe(true);
    expect(drifts.filter((d) => d.ref.kind === 'Widget')).toHaveLength(2);
  });

  it('does not force fields of an object someone else manages; it reports the conflict', async () => {
    const ns = unique('conflict');
    await applyObjects(client, [namespace(ns)]);
    // Created by another tool, which owns data.mode.
    await client.http.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/shared`,
      query: { fieldManager: 'other-tool' },
      contentType: 'application/apply-patch+yaml',
      body: configMap(ns, 'shared', { mode: 'theirs' }),
    });
    const error = (await applyObjects(client, [configMap(ns, 'shared', { mode: 'ours' })]).catch(
      (e: unknown) => e,
    )) as ApplyError;
    expect(error.code).toBe('GITOPS_CONFLICT');
    expect(error.message).toContain(`ConfigMap ${ns}/shared`);
    expect(error.message).toContain('other-tool');
    // On an object we manage, our apply takes back a field another tool took over.
    await applyObjects(client, [configMap(ns, 'mine', { mode: 'ours', level: '1' })]);
    await client.http.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/mine`,
      query: { fieldManager: 'other-tool', force: true },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'mine', namespace: ns },
        data: { mode: 'theirs' },
      },
    });
    const report = await applyObjects(client, [configMap(ns, 'mine', { mode: 'ours', level: '1' })]);
    expect(report.configured).toBe(1);
    const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'mine' });
    expect(live?.data).toEqual({ mode: 'ours', level: '1' });
  });
});
