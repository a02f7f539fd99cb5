/**
 * gitops migrate on a running cluster: a cluster whose fleet folder is in the layout before layers
 * (made here from today's ml profile, substituted as gitops wrote it then, applied by Flux's
 * root sync) and edited by the team. Bootstrap refuses it with one line naming the command;
 * migrate converts it in one commit, carries the edit into the apps overlay, and Flux moves every
 * object to the layer syncs without deleting any (same uid before and after), after which no
 * annotation of gitops's is left and bootstrap works on the folder again.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { FLUX } from '../support/flux-kinds.js';
import { oldLayout } from '../support/old-layout.js';
import { spec } from '../unit/profiles-helpers.js';
import {
  admin,
  bootstrapArgs,
  createFleetRepo,
  eventually,
  gitops,
  pushAsSomeoneElse,
  sandbox,
} from './helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';

const CLUSTER = 'e2e-migrate';
const FOLDER = `clusters/${CLUSTER}`;
const MLFLOW = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mlflow', namespace: 'mlflow' };
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', name: 'mlflow' };

const replicas = async (kube: KubeClient) =>
  ((await kube.get(MLFLOW))?.['spec'] as { replicas?: number } | undefined)?.replicas;

describe('gitops migrate on a running cluster', () => {
  let fleet: { url: string; dir: string };
  let kube: KubeClient;

  beforeAll(async () => {
    fleet = await createFleetRepo(CLUSTER);
    kube = await admin();
    // A cluster (AWS and Flux) whose fleet folder is then rewritten to the earlier layout.
    const empty = join(tmpdir(), `gitops-e2e-empty-${process.pid}`, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(
      join(empty, 'profile.yaml'),
      // base's system node group, so that bootstrapping ml later changes nothing in AWS.
      'name: empty\ndescription: nothing in the cluster\nversion: 1.0.0\nnodeGroups:\n  - name: system\n    instanceTypes: [m6i.large, m5.large]\n    amiType: AL2023_x86_64_STANDARD\n    capacityType: ON_DEMAND\n    minSize: 2\n    desiredSize: 2\n    maxSize: 4\n    diskSize: 50\n    labels:\n      gitops.dev/role: system\n',
    );
    const boot = await gitops(bootstrapArgs(CLUSTER, empty, fleet.url));
    expect(boot.code, boot.stderr).toBe(0);
    await rm(dirname(empty), { recursive: true, force: true });
    const show = (f: string) => simpleGit(fleet.dir).show([`main:${FOLDER}/${f}`]);
    const values = parse(await show('values.yaml')) as { data: { accountId: string } };
    const recorded = parse(await show('cluster.yaml')) as { kubernetesVersion: string; region: string };
    const rendered = renderCluster({
      spec: {
        ...spec({
          name: CLUSTER,
          region: recorded.region,
          profile: { source: 'ml' },
          fleet: { url: fleet.url },
        }),
        kubernetesVersion: recorded.kubernetesVersion,
      },
      profile: await resolveProfile('ml', { env: process.env }),
      accountId: values.data.accountId,
      reconciler: FLUX,
    });
    // The earlier layout had one Kustomization for everything: an object of a kind its own
    // HelmReleases install (ml's KServe runtime, the model's Canary, metric templates, PodMonitor
    // and Gateway objects) fails Flux's dry run on a fresh cluster. So, as such a cluster got
    // there, the folder first lands without them and gains them once their charts are in.
    const full = oldLayout(rendered);
    const usesChartKinds = (text: string | null) =>
      text !== null &&
      /^kind: (ClusterServingRuntime|Canary|MetricTemplate|PodMonitor|GatewayClass|Gateway|EnvoyProxy)$/m.test(
        text,
      );
    const first = Object.fromEntries(
      Object.entries(full).map(([file, text], i) => [
        file,
        usesChartKinds(text)
          ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before-crds-${i}\n  namespace: default\n`
          : text,
      ]),
    );
    const write = (files: Record<string, string | null>) => async (dir: string) => {
      for (const [file, text] of Object.entries(files)) {
        if (text === null) await rm(join(dir, file), { force: true });
        else {
          await mkdir(dirname(join(dir, file)), { recursive: true });
          await writeFile(join(dir, file), text);
        }
      }
    };
    await pushAsSomeoneElse(fleet.url, `gitops: bootstrap ${CLUSTER} with profile ml@1.0.0`, write(first));
    expect(await eventually(async () => (await replicas(kube)) === 1, 180_000, 500)).toBe(true);
    await pushAsSomeoneElse(fleet.url, `gitops: bootstrap ${CLUSTER} with profile ml@1.0.0`, write(full));
    const runtime = {
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ClusterServingRuntime',
      name: 'model-server',
    };
    expect(
      await eventually(
        async () => (await kube.get(runtime).catch(() => undefined)) !== undefined,
        180_000,
        500,
      ),
    ).toBe(true);
    await pushAsSomeoneElse(fleet.url, 'research: two mlflow replicas', async (dir) => {
      const file = join(dir, FOLDER, 'profile/ml/apps/mlflow.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('  replicas: 1\n', '  replicas: 2\n'));
    });
    expect(await eventually(async () => (await replicas(kube)) === 2, 120_000, 500)).toBe(true);
    return () => kube.close();
  }, 600_000);

  it('is refused by bootstrap with one line naming gitops migrate', async () => {
    const boot = await gitops(bootstrapArgs(CLUSTER, 'ml', fleet.url));
    expect(boot.code).toBe(2);
    expect(boot.stderr).toMatch(
      new RegExp(
        `${FOLDER} is in the fleet layout of an earlier gitops .*: gitops migrate --cluster ${CLUSTER} --region ${sandbox().env['AWS_REGION']} --git-url `,
      ),
    );
  });

  // The earlier layout wrote no cluster-values.yaml, which today's load balancer controller reads
  // its VPC id from: the conversion writes it, or the controllers layer never becomes ready and
  // the hand-over waits for the layers until its timeout (issue #17).
  it("converts it, keeps the team's edit, and Flux moves every object to the layers without deleting one", async () => {
    const before = {
      ns: (await kube.get(NAMESPACE))?.metadata.uid,
      deploy: (await kube.get(MLFLOW))?.metadata.uid,
    };
    const run = await gitops(['-o', 'json', 'migrate', '--cluster', CLUSTER, '--yes']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      state: string;
      edits: { object: string; change: string; layer: string }[];
      handover: { protected: number; released: number; pending: boolean };
    };
    expect(doc.state).toBe('converted');
    expect(doc.edits).toEqual([
      expect.objectContaining({ object: 'Deployment mlflow/mlflow', change: 'changed', layer: 'apps' }),
    ]);
    expect(doc.handover.protected).toBeGreaterThan(0);
    expect(doc.handover.released).toBeGreaterThan(0);
    expect(doc.handover.pending).toBe(false);

    const live = await kube.get(MLFLOW);
    expect(live?.metadata.uid).toBe(before.deploy);
    expect((await kube.get(NAMESPACE))?.metadata.uid).toBe(before.ns);
    expect(await replicas(kube)).toBe(2);
    expect(live?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('apps');
    expect(live?.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
    const outputs = await kube.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'cluster-values',
      namespace: 'flux-system',
    });
    expect((outputs?.['data'] as { vpcId?: string } | undefined)?.vpcId).toMatch(/^vpc-/);

    const st = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
    expect(st.code, st.stdout).toBe(0);
    expect((JSON.parse(st.stdout) as { profile: unknown }).profile).toEqual({
      name: 'ml',
      version: bundledVersion('ml'),
    });

    // The folder is the layered layout now: bootstrap takes it, and the carried edit stays.
    const boot = await gitops(bootstrapArgs(CLUSTER, 'ml', fleet.url));
    expect(boot.code, boot.stdout + boot.stderr).toBe(0);
    expect(await replicas(kube)).toBe(2);
    const again = await gitops(['-o', 'json', 'migrate', '--cluster', CLUSTER, '--yes']);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'already' });
  });
});
