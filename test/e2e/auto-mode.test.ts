// ml and mobile with --compute auto, through the CLI against the sandbox: from nothing to ready
// (an Auto Mode cluster, no node groups, none of the add-ons or controllers Auto Mode runs, the
// profile's node groups as NodePools in the controllers layer), status shows the compute mode, the
// built-in and the profile's node pools ready and says the sandbox stood in for them, a re-run
// changes nothing, and destroy leaves nothing tagged for the cluster.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorState } from '../support/aws-emulator/index.js';
import {
  admin,
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  emulator,
  gitops,
  mutatingCallsSince,
  sandbox,
  taggedFor,
} from './helpers.js';

interface StatusDoc {
  ready: boolean;
  compute: {
    mode: string;
    nodeRole?: string;
    nodePools: { name: string; builtin: boolean; ready: boolean }[];
  };
  profile: { name: string; version: string };
  cluster: { nodeGroups: unknown[] };
  addons: { name: string }[];
  identities: { serviceAccount: string }[];
  simulated: { kind: string; name: string; note: string }[];
  problems: string[];
}

async function lifeCycle(
  cluster: string,
  profile: 'ml' | 'mobile',
  pools: string[],
  identities: string[],
  rerun: boolean,
) {
  const fleet = await createFleetRepo(cluster);
  const extra = ['--compute', 'auto'];
  if (profile === 'mobile') {
    const config = join(sandbox().gitRoot, `${cluster}.gitops.yaml`);
    writeFileSync(
      config,
      'profile:\n  source: mobile\n  parameters:\n    hostedZoneId: Z0000000000EXAMPLE\n',
    );
    extra.push('--config', config);
  }
  const boot = await gitops(['-o', 'json', ...bootstrapArgs(cluster, profile, fleet.url, extra)]);
  expect(boot.code, boot.stderr.slice(-3000)).toBe(0);

  // AWS: an Auto Mode cluster with its node role, and nothing Auto Mode does itself.
  const state = await emulator<EmulatorState>('state');
  const eks = state.eks.clusters.find((c) => c.name === cluster)!;
  expect(eks.computeConfig).toMatchObject({ enabled: true, nodePools: ['general-purpose', 'system'] });
  expect(eks.nodegroups).toEqual([]);
  expect(eks.addons.map((a) => a.addonName)).toEqual([]);
  expect(await taggedFor(cluster)).toMatchObject({ vpcs: 1, clusters: 1 });
  expect((await taggedFor(cluster))['nodegroups']).toBeUndefined();

  const status = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
  expect(status.code, status.stdout.slice(-2000)).toBe(0);
  const doc = JSON.parse(status.stdout) as StatusDoc;
  expect(doc.ready).toBe(true);
  expect(doc.profile.name).toBe(profile);
  expect(doc.profile.version).toMatch(/^\d+\.\d+\.\d+\+auto$/);
  expect(doc.compute.mode).toBe('auto');
  expect(doc.compute.nodeRole).toBe(eks.computeConfig?.nodeRoleArn);
  const byName = new Map(doc.compute.nodePools.map((p) => [p.name, p]));
  for (const name of ['general-purpose', 'system', ...pools])
    expect(byName.get(name), name).toMatchObject({ ready: true, builtin: !pools.includes(name) });
  // The sandbox makes no nodes: every pool it marked ready is listed as stood in for.
  const simulatedPools = doc.simulated.filter((s) => s.kind === 'NodePool').map((s) => s.name);
  expect(simulatedPools).toEqual(expect.arrayContaining(['general-purpose', 'system', ...pools]));
  expect(doc.simulated.find((s) => s.kind === 'NodePool')?.note).toMatch(/no nodes are provisioned/);
  expect(doc.cluster.nodeGroups).toEqual([]);
  expect(doc.identities.map((i) => i.serviceAccount).sort()).toEqual(identities);

  // The cluster: the profile's pools from the controllers layer; no autoscaler or LB controller.
  const kube = await admin();
  try {
    for (const name of pools) {
      const pool = await kube.get({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', name });
      expect(pool?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], name).toBe('controllers');
    }
    // This cluster's controllers layer is what its Kustomization's inventory holds: the sandbox's
    // one apiserver may still carry releases another e2e file's cluster left behind.
    const layer = await kube.get({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'controllers',
      namespace: 'flux-system',
    });
    const inventory = new Set(
      (
        (layer?.['status'] as { inventory?: { entries?: { id: string }[] } } | undefined)?.inventory
          ?.entries ?? []
      ).map((e) => e.id),
    );
    expect(inventory.size).toBeGreaterThan(0);
    const releases = await kube.list('helm.toolkit.fluxcd.io/v2', 'HelmRelease');
    const mine = releases.filter((r) =>
      inventory.has(`${r.metadata.namespace}_${r.metadata.name}_helm.toolkit.fluxcd.io_HelmRelease`),
    );
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((r) => r.metadata.name)).not.toContain('cluster-autoscaler');
    expect(mine.map((r) => r.metadata.name)).not.toContain('aws-load-balancer-controller');
    const sc = await kube.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'gp3' });
    expect(sc?.['provisioner']).toBe('ebs.csi.eks.amazonaws.com');
    const ingressClass = await kube.get({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      name: 'alb',
    });
    expect((ingressClass?.['spec'] as { controller?: string } | undefined)?.controller).toBe(
      'eks.amazonaws.com/alb',
    );
  } finally {
    kube.close();
  }

  // A re-run converges: checked once (both profiles take the same path through bootstrap).
  if (rerun) {
    const commits = await commitCount(fleet.dir);
    const before = Date.now();
    const again = await gitops(['-o', 'json', ...bootstrapArgs(cluster, profile, fleet.url, extra)]);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    const redo = JSON.parse(again.stdout) as { steps: { id: string; result: string }[] };
    expect(redo.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
    expect(await mutatingCallsSince(before)).toEqual([]);
    expect(await commitCount(fleet.dir)).toBe(commits);
  }

  const gone = await gitops(['-o', 'json', 'destroy', '--cluster', cluster, '--yes']);
  expect(gone.code, gone.stderr.slice(-2000)).toBe(0);
  expect(await taggedFor(cluster)).toEqual({});
  const after = await emulator<EmulatorState>('state');
  expect(after.eks.clusters.filter((c) => c.name === cluster)).toEqual([]);
  expect(after.iam.roles.filter((r) => String(r.RoleName).includes(cluster))).toEqual([]);
}

/** Each is a whole bootstrap and destroy (about 3 minutes alone on the shared 2-core machine). */
const LONG = 480_000;

describe('EKS Auto Mode (--compute auto) in the sandbox', () => {
  it(
    'ml: nothing to ready with its GPU pool, re-run changes nothing, destroy leaves nothing',
    async () => {
      await lifeCycle(
        'e2e-auto-ml',
        'ml',
        ['gitops-cpu', 'gitops-gpu', 'gitops-system'],
        ['flux-system/image-reflector-controller', 'mlflow/mlflow', 'models/sample-model'],
        true,
      );
    },
    LONG,
  );

  it(
    'mobile: nothing to ready with its api pool and external-dns identity, destroy leaves nothing',
    async () => {
      await lifeCycle(
        'e2e-auto-mobile',
        'mobile',
        ['gitops-api', 'gitops-system'],
        ['external-dns/external-dns', 'flux-system/image-reflector-controller'],
        false,
      );
    },
    LONG,
  );
});
