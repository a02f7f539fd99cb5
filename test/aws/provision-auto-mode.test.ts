// EKS Auto Mode (`compute: auto`) through the real SDK against the emulator: the cluster created as
// AWS documents it, its roles and the access entry its nodes join with, no node groups and none
// of the add-ons Auto Mode replaces, a re-run that changes nothing, and a teardown that leaves
// nothing tagged for the cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { roleName } from '../../src/integrations/aws/iam.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import {
  autoSpec,
  clientsFor,
  count,
  createCalls,
  expectOk,
  run,
  startEmulator,
  teardown,
} from './fixtures.js';

const POLICY = 'arn:aws:iam::aws:policy/';

/** One identity of the kind Auto Mode keeps: a component's own role, associated directly. */
const EXPORTER: WorkloadIdentity = {
  namespace: 'reports',
  serviceAccount: 'exporter',
  managedPolicyArns: [`${POLICY}AmazonS3ReadOnlyAccess`],
  inlinePolicies: [],
};

describe('a cluster in EKS Auto Mode', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = autoSpec('auto');
  const provision = () => run('provision', provisionSteps(spec, aws, [EXPORTER]));

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('creates the cluster with compute, block storage and load balancing on, as AWS documents', async () => {
    const started = Date.now();
    const report = expectOk(await provision());
    process.stderr.write(`auto mode provision: ${Date.now() - started} ms\n`);
    const create = emu.calls({ operation: 'CreateCluster' })[0]!;
    const nodeRole = `arn:aws:iam::${emu.accountId}:role/${roleName('auto', 'auto-node')}`;
    expect(create.params).toMatchObject({
      computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: nodeRole },
      storageConfig: { blockStorage: { enabled: true } },
      kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
      bootstrapSelfManagedAddons: false,
      accessConfig: { authenticationMode: 'API' },
    });
    const cluster = emu.state().eks.clusters[0]!;
    expect(cluster).toMatchObject({
      computeConfig: { enabled: true, nodeRoleArn: nodeRole },
      storageConfig: { blockStorage: { enabled: true } },
      kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
    });
    // No managed node groups, and none of the add-ons Auto Mode runs itself.
    expect(cluster.nodegroups).toEqual([]);
    expect(cluster.addons).toEqual([]);
    expect(report.steps.map((s) => s.id).filter((id) => /nodegroup|addon:/.test(id))).toEqual([]);
    expect(count(emu.state(), 'auto')).toMatchObject({ cluster: 1, role: 3 });
  });

  it('gives the cluster role Auto Mode policies and TagSession trust, the node role the minimal ones', () => {
    const roles = emu.state().iam.roles;
    const cluster = roles.find((r) => r.RoleName === roleName('auto', 'cluster'))!;
    expect(new Set(cluster.AttachedPolicyArns)).toEqual(
      new Set(
        [
          'AmazonEKSClusterPolicy',
          'AmazonEKSComputePolicy',
          'AmazonEKSBlockStoragePolicy',
          'AmazonEKSLoadBalancingPolicy',
          'AmazonEKSNetworkingPolicy',
        ].map((p) => POLICY + p),
      ),
    );
    expect(JSON.stringify(cluster.AssumeRolePolicyDocument)).toContain('sts:TagSession');
    const node = roles.find((r) => r.RoleName === roleName('auto', 'auto-node'))!;
    expect(new Set(node.AttachedPolicyArns)).toEqual(
      new Set([`${POLICY}AmazonEKSWorkerNodeMinimalPolicy`, `${POLICY}AmazonEC2ContainerRegistryPullOnly`]),
    );
    expect(roles.some((r) => r.RoleName === roleName('auto', 'node'))).toBe(false);
  });

  it("uses the nodes' access entry EKS made, and the Pod Identity agent Auto Mode runs", () => {
    const cluster = emu.state().eks.clusters[0]!;
    const nodeRole = cluster.computeConfig?.nodeRoleArn;
    const entry = cluster.accessEntries.find((e) => e.principalArn === nodeRole);
    expect(entry).toMatchObject({ type: 'EC2' });
    expect(entry?.associatedAccessPolicies.map((p) => p.policyArn)).toEqual([
      'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy',
    ]);
    // EKS made it, so gitops made none.
    expect(emu.calls({ operation: 'CreateAccessEntry' })).toEqual([]);
    const exporter = emu.podIdentity('auto', 'reports', 'exporter');
    expect(exporter).toMatchObject({ agent: 'auto-mode', receivesCredentials: true });
  });

  it('converges: a re-run changes nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await provision());
    expect(report.steps.filter((s) => s.result !== 'unchanged').map((s) => s.id)).toEqual([]);
    expect(createCalls(emu)).toEqual([]);
  });

  it('tears down to nothing tagged for the cluster', async () => {
    expectOk(await teardown('auto', aws));
    expect(count(emu.state(), 'auto')).toEqual({});
    expect(emu.state().eks.clusters).toEqual([]);
  });
});
