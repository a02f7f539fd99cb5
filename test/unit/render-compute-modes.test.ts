/**
 * The bundled profiles rendered for each compute mode, and the fleet tree each writes built the way
 * Flux builds it (the reconciler's desired(), which gitops diff compares with the cluster):
 * nodegroups keeps the profile as shipped; auto leaves out what EKS Auto Mode runs itself, adds the
 * node groups as NodePools in the controllers layer and Auto Mode's ingress class, and moves the
 * StorageClass to Auto Mode's EBS provisioner. Both modes' shared copies live side by side.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forComputeMode } from '../../src/integrations/profiles/auto-mode.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { type RenderedCluster, renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import type { ComputeMode } from '../../src/spec/compute.js';
import { FLUX } from '../support/flux-kinds.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { fleetTree, spec, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const ACCOUNT = '123456789012';
const PARAMS: Record<string, Record<string, string>> = { ml: {}, mobile: { hostedZoneId: 'Z0123456789ABC' } };

async function render(profile: 'ml' | 'mobile', compute: ComputeMode): Promise<RenderedCluster> {
  return renderCluster({
    spec: spec({ compute, profile: { source: profile, parameters: PARAMS[profile]! } }),
    profile: await resolveProfile(profile, { env: process.env }),
    accountId: ACCOUNT,
    reconciler: FLUX,
  });
}

async function versionOf(profile: string): Promise<string> {
  const resolved = await resolveProfile(profile, { env: process.env });
  return resolved.profiles.find((p) => p.name === profile)!.profile.version;
}

async function built(rendered: RenderedCluster) {
  const checkout = tempDir('gitops-fleet-');
  writeFiles(checkout, fleetTree(rendered));
  const desired = await flux.desired(checkout, rendered.path);
  const ids = desired.objects.map((o) => `${o.kind}/${o.metadata.name}`);
  const find = (kind: string, name: string) =>
    desired.objects.find((o) => o.kind === kind && o.metadata.name === name);
  return { ids, find, desired };
}

const REPLACED_RELEASES = ['HelmRelease/cluster-autoscaler', 'HelmRelease/aws-load-balancer-controller'];

describe.each(['ml', 'mobile'] as const)('profile %s', (name) => {
  it('nodegroups: the profile as shipped, node groups for AWS, no Auto Mode objects', async () => {
    const r = await render(name, 'nodegroups');
    expect(r.spec.nodeGroups.length).toBeGreaterThan(0);
    expect(r.spec.addons.map((a) => a.name)).toContain('aws-ebs-csi-driver');
    expect(r.shared.map((s) => s.folder)).toEqual([
      `profiles/base/${r.shared[0]!.version}`,
      `profiles/${name}/${await versionOf(name)}`,
    ]);
    const { ids, find } = await built(r);
    expect(ids).toEqual(expect.arrayContaining(REPLACED_RELEASES));
    expect(ids.filter((i) => /^(NodePool|NodeClass|IngressClassParams)\//.test(i))).toEqual([]);
    expect(find('StorageClass', 'gp3')?.['provisioner']).toBe('ebs.csi.aws.com');
  });

  it('auto: what Auto Mode runs is left out, node groups become NodePools, storage and ingress use Auto Mode', async () => {
    const r = await render(name, 'auto');
    expect(r.spec.nodeGroups).toEqual([]);
    expect(r.spec.addons.map((a) => a.name)).toEqual([]);
    const base = await versionOf('base');
    expect(r.shared.map((s) => s.folder)).toEqual([
      `profiles/base/${base}+auto`,
      `profiles/${name}/${await versionOf(name)}+auto`,
    ]);
    // The overlays point at the Auto Mode build.
    expect(r.teamFiles['controllers/kustomization.yaml']).toContain(`profiles/base/${base}+auto/controllers`);
    const { ids, find } = await built(r);
    for (const gone of [...REPLACED_RELEASES, 'HelmRelease/nvidia-device-plugin'])
      expect(ids).not.toContain(gone);
    // The chart repositories only those releases used go with them; the others stay.
    expect(ids).not.toContain('HelmRepository/autoscaler');
    expect(ids).not.toContain('HelmRepository/eks');
    expect(ids).toContain('HelmRepository/jetstack');
    expect(ids).toContain('HelmRelease/cert-manager');
    expect(find('StorageClass', 'gp3')?.['provisioner']).toBe('ebs.csi.eks.amazonaws.com');
    expect(find('IngressClass', 'alb')?.['spec']).toEqual({
      controller: 'eks.amazonaws.com/alb',
      parameters: { apiGroup: 'eks.amazonaws.com', kind: 'IngressClassParams', name: 'alb' },
    });
    expect(find('IngressClassParams', 'alb')?.apiVersion).toBe('eks.amazonaws.com/v1');
    // base's node group, named like Auto Mode's built-in system pool, gets a pool of its own name.
    expect(find('NodePool', 'system')).toBeUndefined();
    expect(find('NodePool', 'gitops-system')).toBeDefined();
    // Every NodePool is applied by the controllers layer, before the workloads selecting it.
    const controllers = r.placements.filter((p) => p.kind === 'NodePool').map((p) => p.layer);
    expect(new Set(controllers)).toEqual(new Set(['controllers']));
  });
});

describe('ml on Auto Mode', () => {
  it('has its GPU node group as a tainted NVIDIA NodePool with its own disk size', async () => {
    const { find } = await built(await render('ml', 'auto'));
    const gpu = find('NodePool', 'gitops-gpu');
    expect(gpu?.apiVersion).toBe('karpenter.sh/v1');
    const template = (gpu!['spec'] as { template: Record<string, Record<string, unknown>> }).template;
    expect(template['metadata']).toEqual({
      labels: { 'gitops.dev/role': 'gpu', 'nvidia.com/gpu.present': 'true' },
    });
    expect(template['spec']).toEqual({
      nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'gitops-gpu' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
      requirements: [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.xlarge', 'g5.2xlarge'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'eks.amazonaws.com/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
      ],
    });
    expect(find('NodeClass', 'gitops-gpu')?.['spec']).toEqual({ ephemeralStorage: { size: '200Gi' } });
    // The CPU group (100 GiB) needs its own class too; base's system group (50 GiB) uses the built-in one.
    const system = find('NodePool', 'gitops-system')?.['spec'] as {
      template: { spec: { nodeClassRef: unknown } };
    };
    expect(system.template.spec.nodeClassRef).toEqual({
      group: 'eks.amazonaws.com',
      kind: 'NodeClass',
      name: 'default',
    });
    expect(find('NodeClass', 'gitops-cpu')).toBeDefined();
  });

  it('has no identities of the components and add-ons Auto Mode replaces', async () => {
    const profile = forComputeMode(await resolveProfile('ml', { env: process.env }), 'auto');
    const params = resolveParameters(profile.profile, {}, builtinsFor('research', 'us-west-2', ACCOUNT));
    const identities = resolveIdentities({
      layers: profile.profiles,
      spec: [],
      specSource: 'cluster spec',
      params,
      addons: [],
      compute: 'auto',
    });
    // Flux's image reflector, MLflow and the sample model are not ones Auto Mode replaces: they stay.
    expect(identities.map((i) => `${i.namespace}/${i.serviceAccount}`)).toEqual([
      'flux-system/image-reflector-controller',
      'mlflow/mlflow',
      'models/sample-model',
    ]);
    const both = resolveIdentities({
      layers: (await resolveProfile('ml', { env: process.env })).profiles,
      spec: [],
      specSource: 'cluster spec',
      params,
      addons: ['aws-ebs-csi-driver', 'eks-pod-identity-agent'],
    });
    expect(both.map((i) => `${i.namespace}/${i.serviceAccount}`).sort()).toEqual([
      'flux-system/image-reflector-controller',
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
      'kube-system/ebs-csi-controller-sa',
      'mlflow/mlflow',
      'models/sample-model',
    ]);
  });

  it('keeps the bytes of every file it does not change, and its comments where it does', async () => {
    const plain = await render('ml', 'nodegroups');
    const auto = await render('ml', 'auto');
    const files = (r: RenderedCluster, n: string) => r.shared.find((s) => s.name === n)!.files;
    const body = (t: string) => t.slice(t.indexOf('\n') + 1);
    expect(body(files(auto, 'ml')['apps/jupyterhub.yaml']!)).toBe(
      body(files(plain, 'ml')['apps/jupyterhub.yaml']!),
    );
    const sc = files(auto, 'ml')['configs/storage-class.yaml']!;
    expect(sc).toContain('# WaitForFirstConsumer creates each volume');
    expect(parse(sc.replace(/^---\n/, '')).provisioner).toBe('ebs.csi.eks.amazonaws.com');
    const kustomization = parse(files(auto, 'base')['controllers/kustomization.yaml']!);
    expect(kustomization.resources).not.toContain('cluster-autoscaler.yaml');
    expect(kustomization.resources).toContain('eks-auto-mode.yaml');
  });
});

describe('the layer check knows the compute mode', () => {
  it('refuses a NodePool on a cluster of node groups, naming the kind, and takes it on Auto Mode', async () => {
    const dir = `${tempDir('gitops-prof-')}/pools`;
    writeFiles(dir, {
      'profile.yaml':
        'apiVersion: gitops.dev/v1alpha1\nkind: Profile\nname: pools\ndescription: x\nversion: 1.0.0\n',
      'controllers/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - pool.yaml\n',
      'controllers/pool.yaml':
        'apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: batch\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: eks.amazonaws.com, kind: NodeClass, name: default}\n      requirements: []\n',
    });
    const profile = await resolveProfile(dir, { env: process.env });
    const go = (compute: ComputeMode) =>
      renderCluster({
        spec: spec({ compute, profile: { source: dir } }),
        profile,
        accountId: ACCOUNT,
        reconciler: FLUX,
      });
    let message = '';
    try {
      go('nodegroups');
    } catch (e) {
      if (!isGitopsError(e)) throw e;
      message = e.message;
    }
    expect(message).toMatch(
      /NodePool batch \(karpenter\.sh\/v1\) in layer controllers of profile pools: .*flux serves it$/,
    );
    expect(go('auto').placements.map((p) => `${p.kind}/${p.name}`)).toEqual(['NodePool/batch']);
  });
});
