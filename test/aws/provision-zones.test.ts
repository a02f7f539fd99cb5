// Issue #19, zones: the network's zones are those that offer every node group's instance types
// (DescribeInstanceTypeOfferings), not the first ones alphabetically; a zone EKS refuses for the
// control plane (UnsupportedAvailabilityZoneException) is left for the zones EKS names, and the
// subnets made there are deleted, not left behind. Real SDK clients against the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { checkAgainstAws } from '../../src/integrations/aws/preflight.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import type { ClusterSpecInput } from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { RecordingSink } from '../support/recording-sink.js';
import {
  clientsFor,
  createCalls,
  expectOk,
  isTaggedFor,
  mlSpec,
  provision,
  startEmulator,
} from './fixtures.js';

type Group = NonNullable<ClusterSpecInput['nodeGroups']>[number];
const group = (name: string, instanceTypes: string[], extra: Partial<Group> = {}): Group => ({
  name,
  instanceTypes,
  minSize: 0,
  desiredSize: 0,
  maxSize: 2,
  ...extra,
});

const zonesOf = (emu: RunningEmulator, cluster: string) =>
  [
    ...new Set(
      emu
        .state()
        .ec2.subnets.filter((s) => isTaggedFor(s, cluster))
        .map((s) => s.az),
    ),
  ].sort();

describe('zones that offer the node groups', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('picks the zones offering every type (g6 is not in us-west-2a), not the first two', async () => {
    const spec = mlSpec('l4', {
      network: { availabilityZones: 2, natGateways: 'single' },
      nodeGroups: [
        group('cpu', ['m5.large'], { minSize: 1, desiredSize: 1 }),
        group('gpu', ['g6.xlarge'], { amiType: 'AL2023_x86_64_NVIDIA' }),
      ],
      ecrRepositories: [],
    });
    await checkAgainstAws(aws, spec, new RecordingSink());
    expectOk(await provision(spec, aws));
    expect(zonesOf(emu, 'l4')).toEqual(['us-west-2b', 'us-west-2c']);
    const gpu = emu
      .state()
      .eks.clusters.find((c) => c.name === 'l4')!
      .nodegroups.find((n) => n.nodegroupName === 'gpu')!;
    expect(gpu.status).toBe('ACTIVE');
  });

  it('refuses, before any change, node groups whose types leave too few zones, naming each', async () => {
    emu.clearCalls();
    const spec = mlSpec('narrow', {
      network: { availabilityZones: 2, natGateways: 'single' },
      nodeGroups: [
        group('l4', ['g6.xlarge'], { amiType: 'AL2023_x86_64_NVIDIA' }),
        group('a100', ['p4d.24xlarge'], { amiType: 'AL2023_x86_64_NVIDIA' }),
      ],
      ecrRepositories: [],
    });
    const error = await checkAgainstAws(aws, spec, new RecordingSink()).catch((e: unknown) => e);
    if (!isGitopsError(error)) throw error;
    expect(error.exitCode).toBe(2);
    expect([error.message, ...error.details]).toEqual([
      "network.availabilityZones: 2 zones asked, but only 1 of the region's 4 (us-west-2b) offer every node group's instance types",
      'nodeGroups[l4].instanceTypes: g6.xlarge is not offered in us-west-2a, a zone of us-west-2; it is offered in us-west-2b, us-west-2c, us-west-2d',
      'nodeGroups[a100].instanceTypes: p4d.24xlarge is not offered in us-west-2c, us-west-2d, a zone of us-west-2; it is offered in us-west-2a, us-west-2b',
    ]);
    expect(createCalls(emu)).toEqual([]);
  });
});

describe('a zone EKS refuses for the control plane', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = mlSpec('moved', {
    nodeGroups: [group('cpu', ['m5.large'], { minSize: 1, desiredSize: 1 })],
    ecrRepositories: [],
  });
  beforeAll(async () => {
    emu = await startEmulator({ eksUnsupportedZones: ['us-west-2b'] });
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('retries CreateCluster with the zones EKS named and leaves no subnet in the refused zone', async () => {
    const sink = new RecordingSink();
    const report = expectOk(await provision(spec, aws, { sink }));
    const creates = emu.calls({ service: 'eks', operation: 'CreateCluster' });
    expect(creates.map((c) => c.errorCode ?? 'ok')).toEqual(['UnsupportedAvailabilityZoneException', 'ok']);
    expect(sink.ofType('warning').map((w) => w.message)).toContain(
      'EKS cannot place cluster moved in us-west-2b now; moving its subnets to the zones EKS named (us-west-2a, us-west-2c, us-west-2d)',
    );
    const state = emu.state();
    expect(zonesOf(emu, 'moved')).toEqual(['us-west-2a', 'us-west-2c', 'us-west-2d']);
    expect(state.ec2.subnets.filter((s) => s.az === 'us-west-2b')).toEqual([]);
    const vpc = state.ec2.vpcs.find((v) => isTaggedFor(v, 'moved'))!;
    expect(vpc.tags).toContainEqual({ Key: 'gitops.dev/eks-refused-zones', Value: 'us-west-2b' });
    const cluster = state.eks.clusters.find((c) => c.name === 'moved')!;
    const { subnetIds } = cluster.resourcesVpcConfig as { subnetIds: string[] };
    const clusterZones = subnetIds.map((id) => state.ec2.subnets.find((s) => s.id === id)!.az);
    expect([...new Set(clusterZones)].sort()).toEqual(['us-west-2a', 'us-west-2c', 'us-west-2d']);
    // NAT gateways waited for the cluster's placement: none was ever made in us-west-2b.
    expect(state.ec2.natGateways.map((n) => state.ec2.subnets.find((s) => s.id === n.subnetId)?.az)).toEqual([
      'us-west-2a',
    ]);
    expect(report.steps.find((s) => s.id === 'aws:cluster:create')?.result).toBe('created');
  });

  it('a second run changes nothing and keeps the zones', async () => {
    emu.clearCalls();
    const report = expectOk(await provision(spec, aws));
    expect(report.steps.every((s) => s.result === 'unchanged')).toBe(true);
    expect(createCalls(emu)).toEqual([]);
    expect(zonesOf(emu, 'moved')).toEqual(['us-west-2a', 'us-west-2c', 'us-west-2d']);
  });
});
