// A changed spec on an existing cluster: what EKS/EC2/ECR can change in place is updated (and
// only that), what they cannot is a clear error naming the field, before anything is touched.
import { EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import type { ClusterSpec } from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { clientsFor, createCalls, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

/** Waits until the cpu node group's hand-made update is done (EKS refuses another meanwhile). */
async function eventuallyActive(aws: AwsClients): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await aws.eks.describeNodegroup('grow', 'cpu'))?.status === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('node group cpu did not become ACTIVE');
}

describe('updating an existing cluster', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const base = mlSpec('grow', { addons: [{ name: 'vpc-cni', version: 'v1.18.6-eksbuild.1' }] });
  const withChanges = (f: (s: ClusterSpec) => void): ClusterSpec => {
    const copy = structuredClone(base);
    f(copy);
    return copy;
  };
  const result = (r: Awaited<ReturnType<typeof provision>>, id: string) => r.steps.find((s) => s.id === id);

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(await provision(base, aws));
  });
  afterAll(() => emu.stop());

  it('updates node group scaling, labels and taints in place', async () => {
    emu.clearCalls();
    const spec = withChanges((s) => {
      const gpu = s.nodeGroups.find((n) => n.name === 'gpu')!;
      gpu.maxSize = 8;
      gpu.labels = { 'gitops.dev/role': 'gpu', tier: 'inference' };
      gpu.taints = [];
    });
    const report = expectOk(await provision(spec, aws));
    expect(result(report, 'aws:nodegroup:gpu')?.result).toBe('updated');
    expect(result(report, 'aws:nodegroup:cpu')?.result).toBe('unchanged');
    expect(createCalls(emu)).toEqual(['eks:UpdateNodegroupConfig']);
    const gpu = emu.state().eks.clusters[0]!.nodegroups.find((n) => n.nodegroupName === 'gpu')!;
    expect(gpu).toMatchObject({
      status: 'ACTIVE',
      scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 8 },
      labels: { 'gitops.dev/role': 'gpu', tier: 'inference' },
    });
    expect(gpu.taints ?? []).toEqual([]);
    base.nodeGroups = spec.nodeGroups;
  });

  it('puts back the same hand-made change twice: the second fix is a new update, not a retry of the first', async () => {
    // EKS answers an update whose clientRequestToken it has seen with that earlier update and
    // applies nothing (the emulator does too): a token made from the wanted change alone would
    // make the second fix of the same drift a silent no-op.
    const eks = new EKSClient(clientConfig(emu));
    const cpu = base.nodeGroups.find((n) => n.name === 'cpu')!;
    // maxSize, not desiredSize: the desired size is the autoscaler's to change, and gitops leaves it.
    const drifted = cpu.maxSize + 3;
    const drift = () =>
      eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: 'grow',
          nodegroupName: 'cpu',
          scalingConfig: { maxSize: drifted },
        }),
      );
    const maxSize = async () => (await aws.eks.describeNodegroup('grow', 'cpu'))?.scaling.maxSize;
    for (const round of [1, 2]) {
      await drift();
      await eventuallyActive(aws);
      expect(await maxSize(), `round ${round}: drifted`).toBe(drifted);
      const report = expectOk(await provision(base, aws));
      expect(result(report, 'aws:nodegroup:cpu')?.result, `round ${round}`).toBe('updated');
      expect(await maxSize(), `round ${round}: put back`).toBe(cpu.maxSize);
    }
    eks.destroy();
  });

  it('updates a pinned add-on version, ECR settings and tags', async () => {
    emu.clearCalls();
    const spec = withChanges((s) => {
      s.addons = [{ name: 'vpc-cni', version: 'v1.19.2-eksbuild.1' }];
      s.ecrRepositories[0]!.immutableTags = true;
      s.ecrRepositories[1]!.keepImages = 20;
      s.tags = { team: 'research', cost: 'ml' };
    });
    const report = expectOk(await provision(spec, aws));
    expect(result(report, 'aws:addon:vpc-cni')?.result).toBe('updated');
    expect(result(report, 'aws:ecr:grow/notebook')?.result).toBe('updated');
    expect(result(report, 'aws:cluster')?.result).toBe('updated');
    expect(createCalls(emu).sort()).toEqual(
      expect.arrayContaining([
        'eks:UpdateAddon',
        'ecr:PutImageTagMutability',
        'ecr:PutLifecyclePolicy',
        'eks:TagResource',
        'iam:TagRole',
      ]),
    );
    const state = emu.state();
    expect(state.eks.clusters[0]!.addons.find((a) => a.addonName === 'vpc-cni')?.addonVersion).toBe(
      'v1.19.2-eksbuild.1',
    );
    expect(state.eks.clusters[0]!.tags).toMatchObject({ cost: 'ml' });
    // Unpinned add-ons keep the version they got: a re-run never upgrades behind the user's back.
    expect(result(report, 'aws:addon:coredns')?.result).toBe('unchanged');
    Object.assign(base, { addons: spec.addons, ecrRepositories: spec.ecrRepositories, tags: spec.tags });
    expect(expectOk(await provision(base, aws)).steps.every((s) => s.result === 'unchanged')).toBe(true);
  });

  it('adds NAT gateways when going from one to one per zone, and re-points the private routes', async () => {
    emu.clearCalls();
    const spec = withChanges((s) => {
      s.network.natGateways = 'perAz';
    });
    const report = expectOk(await provision(spec, aws));
    expect(result(report, 'aws:network:nat')?.result).toBe('created');
    expect(createCalls(emu).filter((c) => c === 'ec2:CreateNatGateway')).toHaveLength(2);
    expect(createCalls(emu).filter((c) => c === 'ec2:ReplaceRoute')).toHaveLength(2);
    const ec2 = emu.state().ec2;
    const nats = ec2.natGateways.filter((n) => n.state === 'available');
    expect(nats).toHaveLength(3);
    // Each private route table sends its zone's traffic to the NAT gateway in that zone.
    for (const table of ec2.routeTables.filter((t) => t.tags.some((x) => x.Value === 'private'))) {
      const zone = table.tags.find((x) => x.Key === 'gitops.dev/az')!.Value;
      const route = (table.routes as { destinationCidrBlock?: string; natGatewayId?: string }[]).find(
        (r) => r.natGatewayId,
      );
      const nat = nats.find((n) => n.id === route?.natGatewayId)!;
      const subnet = ec2.subnets.find((x) => x.id === nat.subnetId)!;
      expect(subnet.az).toBe(zone);
    }
    base.network = spec.network;
  });

  it.each([
    [
      'nodeGroups[cpu].instanceTypes',
      (s: ClusterSpec) => {
        s.nodeGroups[0]!.instanceTypes = ['c6i.large'];
      },
    ],
    [
      'nodeGroups[gpu].amiType',
      (s: ClusterSpec) => {
        s.nodeGroups[1]!.amiType = 'AL2_x86_64_GPU';
      },
    ],
    [
      'nodeGroups[cpu].diskSize',
      (s: ClusterSpec) => {
        s.nodeGroups[0]!.diskSize = 500;
      },
    ],
    [
      'network.vpcCidr',
      (s: ClusterSpec) => {
        s.network.vpcCidr = '10.9.0.0/16';
      },
    ],
    [
      'network.natGateways',
      (s: ClusterSpec) => {
        s.network.natGateways = 'single';
      },
    ],
    [
      'network.availabilityZones',
      (s: ClusterSpec) => {
        s.network.availabilityZones = 2;
      },
    ],
    // kubernetesVersion is a floor, not an equality: provision-versions.test.ts.
  ])('refuses a change of %s that cannot be made in place', async (field, change) => {
    emu.clearCalls();
    const report = await provision(withChanges(change), aws);
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('GITOPS_CONFLICT');
    expect(report.error?.message.startsWith(`${field}: `)).toBe(true);
    expect(createCalls(emu)).toEqual([]);
  });
});
