import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { admin, bootstrapArgs, createFleetRepo, eventually, gitops, pushAsSomeoneElse } from './helpers.js';

const CLUSTER = 'e2e-status';
const repo = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  name: 'flux-system',
  namespace: 'flux-system',
};

async function pauseSource(kube: KubeClient, paused: boolean): Promise<void> {
  const info = await kube.discovery.resolve(repo.apiVersion, repo.kind);
  await kube.applyRaw(
    info,
    {
      apiVersion: repo.apiVersion,
      kind: repo.kind,
      metadata: {
        name: repo.name,
        namespace: repo.namespace,
        annotations: { 'sandbox.gitops.dev/paused': String(paused) },
      },
    },
    { fieldManager: 'e2e-test', force: true },
  );
}

describe('status and diff against a bootstrapped cluster', () => {
  let fleetUrl = '';
  let kube: KubeClient;

  beforeAll(async () => {
    const fleet = await createFleetRepo(CLUSTER);
    fleetUrl = fleet.url;
    const boot = await gitops(bootstrapArgs(CLUSTER, 'ml', fleetUrl));
    expect(boot.code, boot.stderr + boot.stdout).toBe(0);
    kube = await admin();
    return () => kube.close();
  });

  it('status reports out of sync (3) after a push, then ready (0) once the reconciler applied it', async () => {
    await pauseSource(kube, true);
    // A resource of the team's own, in the apps layer's overlay (theirs to edit).
    const head = await pushAsSomeoneElse(fleetUrl, 'add a settings ConfigMap', async (dir) => {
      const folder = join(dir, 'clusters', CLUSTER, 'apps');
      await writeFile(
        join(folder, 'settings.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\n  namespace: default\ndata:\n  owner: ml-platform\n',
      );
      const k = await readFile(join(folder, 'kustomization.yaml'), 'utf8');
      await writeFile(join(folder, 'kustomization.yaml'), `${k}  - settings.yaml\n`);
    });
    const out = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
    expect(out.code).toBe(3);
    const doc = JSON.parse(out.stdout) as {
      ready: boolean;
      sync: { inSync: boolean; headRevision: string; appliedRevision: string };
    };
    expect(doc.ready).toBe(false);
    expect(doc.sync.inSync).toBe(false);
    expect(doc.sync.headRevision).toBe(head);
    expect(doc.sync.appliedRevision).not.toBe(head);

    await pauseSource(kube, false);
    const caughtUp = await eventually(
      async () => (await gitops(['status', '--cluster', CLUSTER])).code === 0,
      60_000,
      500,
    );
    expect(caughtUp).toBe(true);
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'team-settings', namespace: 'default' }),
    ).toBeDefined();
  });

  it('a commit with a kind the cluster does not serve makes status exit 3 naming it; reverting it makes it ready', async () => {
    // Rendering refuses such a kind, but a team's own commit reaches Flux unchecked: Flux's
    // dry-run fails the whole layer, and status must say which kind did it.
    const widget =
      'apiVersion: widgets.example.dev/v1\nkind: Widget\nmetadata:\n  name: gadget\n  namespace: default\n';
    let before = '';
    await pushAsSomeoneElse(fleetUrl, 'add a Widget', async (dir) => {
      const folder = join(dir, 'clusters', CLUSTER, 'apps');
      await writeFile(join(folder, 'widget.yaml'), widget);
      before = await readFile(join(folder, 'kustomization.yaml'), 'utf8');
      await writeFile(join(folder, 'kustomization.yaml'), `${before}  - widget.yaml\n`);
    });
    let last: { code: number | null; stdout: string } = { code: -1, stdout: '' };
    const failing = await eventually(
      async () => {
        last = await gitops(['status', '--cluster', CLUSTER]);
        return last.code === 3 && /Widget/.test(last.stdout);
      },
      60_000,
      500,
    );
    expect(failing, last.stdout).toBe(true);
    const doc = JSON.parse((await gitops(['-o', 'json', 'status', '--cluster', CLUSTER])).stdout) as {
      ready: boolean;
      problems: string[];
    };
    expect(doc.ready).toBe(false);
    expect(doc.problems.join('\n')).toMatch(/Widget/);

    await pushAsSomeoneElse(fleetUrl, 'remove the Widget', async (dir) => {
      const folder = join(dir, 'clusters', CLUSTER, 'apps');
      await rm(join(folder, 'widget.yaml'));
      await writeFile(join(folder, 'kustomization.yaml'), before);
    });
    const recovered = await eventually(
      async () => (await gitops(['status', '--cluster', CLUSTER])).code === 0,
      60_000,
      500,
    );
    expect(recovered).toBe(true);
  });

  it('diff shows a live edit of a synced object as differing, and a deleted one as missing (exit 3)', async () => {
    const clean = await gitops(['diff', '--cluster', CLUSTER]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/no drift/);

    const mlflow = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mlflow', namespace: 'mlflow' };
    const info = await kube.discovery.resolve(mlflow.apiVersion, mlflow.kind);
    await kube.applyRaw(
      info,
      {
        apiVersion: mlflow.apiVersion,
        kind: mlflow.kind,
        metadata: { name: mlflow.name, namespace: mlflow.namespace },
        spec: { replicas: 4 },
      },
      { fieldManager: 'kubectl-edit', force: true },
    );
    const drifted = await gitops(['-o', 'json', 'diff', '--cluster', CLUSTER]);
    expect(drifted.code).toBe(3);
    const doc = JSON.parse(drifted.stdout) as {
      inSync: boolean;
      drift: { kind: string; name: string; state: string; fields?: string[] }[];
    };
    expect(doc.inSync).toBe(false);
    expect(doc.drift).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'mlflow',
        state: 'differs',
        fields: expect.arrayContaining(['spec.replicas']),
      }),
    ]);

    await kube.delete(mlflow);
    const missing = await gitops(['-o', 'json', 'diff', '--cluster', CLUSTER]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout).drift).toEqual([
      expect.objectContaining({ name: 'mlflow', state: 'missing' }),
    ]);
  });
});
