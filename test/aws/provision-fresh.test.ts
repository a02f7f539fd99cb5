// Provision an ml-like cluster from nothing against the emulator with the real SDK clients,
// then provision again: the second run must find everything in place and create nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { CLUSTER_TAG, MANAGED_BY_TAG } from '../../src/aws/tags.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, count, createCalls, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

describe('provision from nothing', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = mlSpec('research');

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('creates exactly one of everything, all tagged', async () => {
    const report = expectOk(await provision(spec, aws));
    expect(report.steps.map((s) => [s.id, s.result])).toEqual(
      expect.arrayContaining([
        ['aws:network', 'created'],
        ['aws:network:nat', 'created'],
        ['aws:cluster', 'created'],
        ['aws:nodegroup:cpu', 'created'],
        ['aws:nodegroup:gpu', 'created'],
        ['aws:addon:aws-ebs-csi-driver', 'created'],
        ['aws:ecr:research/notebook', 'created'],
      ]),
    );
    const state = emu.state();
    expect(count(state, 'research')).toEqual({
      cluster: 1,
      nodegroup: 2,
      addon: 5,
      ecr: 2,
      role: 2,
      vpcs: 1,
      subnets: 6,
      internetGateways: 1,
      routeTables: 4,
      addresses: 1,
      natGateways: 1,
    });
    // Nothing exists that is not ours.
    expect(state.eks.clusters).toHaveLength(1);
    expect(state.ec2.vpcs.filter((v) => !v.isDefault)).toHaveLength(1);
    const cluster = state.eks.clusters[0]!;
    expect(cluster.tags).toMatchObject({
      [CLUSTER_TAG]: 'research',
      [MANAGED_BY_TAG]: 'gitops',
      team: 'research',
    });
    expect(cluster.status).toBe('ACTIVE');
    expect(cluster.accessConfig).toMatchObject({ authenticationMode: 'API_AND_CONFIG_MAP' });

    const gpu = cluster.nodegroups.find((n) => n.nodegroupName === 'gpu')!;
    expect(gpu).toMatchObject({
      status: 'ACTIVE',
      amiType: 'AL2023_x86_64_NVIDIA',
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 4 },
    });
    expect(cluster.addons.map((a) => a.addonName).sort()).toEqual([
      'aws-ebs-csi-driver',
      'coredns',
      'eks-pod-identity-agent',
      'kube-proxy',
      'vpc-cni',
    ]);

    const repo = state.ecr.repositories.find((r) => r.repositoryName === 'research/model-server')!;
    expect(repo).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(JSON.parse(repo.lifecyclePolicyText!).rules[0].selection.countNumber).toBe(100);

    // Node groups went to the private subnets, behind the NAT gateway.
    const privateIds = state.ec2.subnets
      .filter((s) => s.tags.some((t) => t.Key === 'gitops.dev/tier' && t.Value === 'private'))
      .map((s) => s.id)
      .sort();
    expect([...(gpu.subnets as string[])].sort()).toEqual(privateIds);
  });

  it('finds everything in place on a second run and creates nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await provision(spec, aws));
    for (const step of report.steps) expect([step.id, step.result]).toEqual([step.id, 'unchanged']);
    expect(createCalls(emu)).toEqual([]);
    expect(emu.calls().every((c) => c.ok)).toBe(true);
  });
});
