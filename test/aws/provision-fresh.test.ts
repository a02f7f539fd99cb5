// Provision an ml-like cluster from nothing against the emulator with the real SDK clients,
// then provision again: the second run must find everything in place and create nothing. Around
// it, on the same cluster: dry runs (observe only, no mutating call) and the read-only status
// views (`gitops status`, `status --all`).
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { describeClusterStatus, listManagedClusters } from '../../src/integrations/aws/status.js';
import { CLUSTER_TAG, MANAGED_BY_TAG } from '../../src/integrations/aws/tags.js';
import { teardownSteps } from '../../src/integrations/aws/teardown.js';
import { RecordingSink } from '../support/recording-sink.js';
import { buildPlan, type Step } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import {
  clientsFor,
  count,
  createCalls,
  expectOk,
  mlSpec,
  provision,
  startEmulator,
  ML_COMPLETE,
} from './fixtures.js';

const MUTATING =
  /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Disassociate|Update|Modify|Release|Allocate|Replace)/;

describe('provision from nothing', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = mlSpec('research');

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  const dryRun = (steps: Step[]) =>
    runPlan(buildPlan('dry', steps), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });

  it('a dry run from nothing: every step would change, nothing is called that changes anything', async () => {
    const report = expectOk(await dryRun(provisionSteps(spec, aws)));
    // Without declared buckets, workload identities or CI there is nothing to record or remove.
    const idle = report.steps.filter((s) => s.result !== 'would-change').map((s) => s.id);
    expect(idle).toEqual(['aws:buckets', 'aws:identities', 'aws:ci']);
    expect(report.steps.find((s) => s.id === 'aws:network')?.summary).toMatch(
      /^create VPC 10\.0\.0\.0\/16; create private subnet/,
    );
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.summary).toBe(
      'create EKS cluster research (Kubernetes 1.33)',
    );
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    expect(emu.state().ec2.vpcs.filter((v) => !v.isDefault)).toEqual([]);
  });

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
    expect(count(state, 'research')).toEqual(ML_COMPLETE);
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

  it('status: the cluster, its node groups, add-ons and repositories, changing nothing', async () => {
    emu.pushImage('research/notebook', 'v1');
    await new Promise((r) => setTimeout(r, 5));
    emu.pushImage('research/notebook', 'v2');
    emu.clearCalls();
    const status = await describeClusterStatus(aws, 'research');
    expect(status).toMatchObject({ name: 'research', region: 'us-west-2', found: true, managed: true });
    expect(status).toMatchObject({ status: 'ACTIVE', version: '1.33' });
    expect(status.endpoint).toBeTruthy();
    expect(status.nodeGroups.map((n) => [n.name, n.status, n.desiredSize, n.managed])).toEqual([
      ['cpu', 'ACTIVE', 2, true],
      ['gpu', 'ACTIVE', 1, true],
    ]);
    expect(status.addons).toHaveLength(5);
    expect(status.addons.every((a) => a.status === 'ACTIVE' && a.managed && a.version.startsWith('v'))).toBe(
      true,
    );
    const repos = Object.fromEntries(status.ecrRepositories.map((r) => [r.name, r]));
    expect(repos['research/notebook']).toMatchObject({ imageCount: 2, latestTag: 'v2' });
    expect(repos['research/notebook']?.uri).toBe(
      '123456789012.dkr.ecr.us-west-2.amazonaws.com/research/notebook',
    );
    expect(repos['research/model-server']).toMatchObject({ imageCount: 0 });
    expect(repos['research/model-server']?.latestTag).toBeUndefined();
    expect(emu.calls().filter((c) => !/^(Describe|List|Get)/.test(c.operation))).toEqual([]);
    expect(await describeClusterStatus(aws, 'ghost', { ecrRepositories: [] })).toEqual({
      name: 'ghost',
      region: 'us-west-2',
      found: false,
      managed: false,
      nodeGroups: [],
      addons: [],
      ecrRepositories: [],
    });
  });

  it('status --all lists only the clusters gitops manages', async () => {
    const prereq = await createEksPrerequisites(emu, 'other');
    await new EKSClient(clientConfig(emu)).send(
      new CreateClusterCommand({
        name: 'other',
        roleArn: prereq.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: prereq.subnetIds },
      }),
    );
    const clusters = await listManagedClusters(aws);
    expect(clusters.map((c) => [c.name, c.status, c.version])).toEqual([['research', 'ACTIVE', '1.33']]);
  });

  it('a dry run against the cluster: only the changed step would change', async () => {
    emu.clearCalls();
    const changed = mlSpec('research');
    changed.nodeGroups[0]!.maxSize = 9;
    const report = expectOk(await dryRun(provisionSteps(changed, aws)));
    expect(
      report.steps.filter((s) => s.result !== 'unchanged').map((s) => [s.id, s.result, s.summary]),
    ).toEqual([['aws:nodegroup:cpu', 'would-change', 'update node group cpu: scaling 1/2/9']]);
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('a teardown dry run says what it would delete and deletes nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await dryRun(teardownSteps({ name: 'research' }, aws, { force: true })));
    // No extra admins, workload identities, CI or buckets in this spec: no access entries, roles,
    // associations or buckets of ours; node groups, not Auto Mode: no Auto Mode node role.
    expect(report.steps.filter((s) => s.result !== 'would-change').map((s) => s.id)).toEqual([
      'aws:access',
      'aws:pod-identity',
      'aws:iam:auto-node-role',
      'aws:iam:identities',
      'aws:iam:ci',
      'aws:s3',
    ]);
    expect(report.steps.find((s) => s.id === 'aws:network')?.summary).toBe(
      'delete 1 NAT gateway, 1 Elastic IP, 6 subnets, 4 route tables, 1 internet gateway, 1 VPC',
    );
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });
});
