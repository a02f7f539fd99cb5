// Issue #19, versions: the spec's Kubernetes version is a floor. A cluster EKS upgraded by itself is
// kept (and that version is the one chosen); a higher version is an upgrade, one minor version at a
// time, node groups and add-ons following each step; what would stop it half-way is refused first.
// Real SDK clients against the emulator and its version calendar (today: 1.32-1.35 offered).
import { CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { checkAgainstAws } from '../../src/integrations/aws/preflight.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { chooseKubernetesVersion } from '../../src/integrations/aws/versions.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { ClusterSpec, ClusterSpecInput } from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { EKS_VERSIONS } from '../support/aws-emulator/eks-versions.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

const cpu = { name: 'cpu', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 };
const small = (name: string, version: string, over: Partial<ClusterSpecInput> = {}): ClusterSpec =>
  mlSpec(name, { kubernetesVersion: version, nodeGroups: [cpu], addons: [], ecrRepositories: [], ...over });
const at = (spec: ClusterSpec, version: string): ClusterSpec => ({
  ...structuredClone(spec),
  kubernetesVersion: version,
});

const dryRun = (spec: ClusterSpec, aws: AwsClients) =>
  runPlan(buildPlan('dry', provisionSteps(spec, aws)), {
    sink: new RecordingSink(),
    dryRun: true,
    deadline: Date.now() + 30_000,
  });

/** The version-changing calls, in order: "UpdateClusterVersion 1.33", "UpdateAddon kube-proxy v1.33...". */
function upgradeCalls(emu: RunningEmulator): string[] {
  const lines = emu
    .calls({ service: 'eks' })
    .filter((c) => /^Update(ClusterVersion|NodegroupVersion|Addon)$/.test(c.operation) && c.ok)
    .map((c) => {
      const p = c.params as Record<string, string | undefined>;
      if (c.operation === 'UpdateAddon') return `UpdateAddon ${p['addonName']} ${p['addonVersion']}`;
      return [c.operation, p['nodegroupName'], p['version']].filter(Boolean).join(' ');
    });
  // Add-ons move concurrently: within one step their calls may come in any order.
  const out: string[] = [];
  let run: string[] = [];
  for (const line of [...lines, '']) {
    if (line.startsWith('UpdateAddon')) {
      run.push(line);
      continue;
    }
    out.push(...run.sort());
    run = [];
    if (line) out.push(line);
  }
  return out;
}

describe('a cluster EKS upgraded by itself', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = small('legacy', '1.32');
  beforeAll(async () => {
    // 1.32's support ends 8 s from now (the cluster is made well before): EKS then moves it to
    // 1.33 by itself.
    const ends = new Date(Date.now() + 8_000).toISOString();
    emu = await startEmulator({
      eksVersions: EKS_VERSIONS.map((v) =>
        v.version === '1.32' ? { ...v, endOfStandardSupport: '2026-03-23', endOfExtendedSupport: ends } : v,
      ),
    });
    aws = clientsFor(emu);
    expectOk(await provision(spec, aws));
  });
  afterAll(() => emu.stop());

  it('is kept: 1.32 is no longer offered, yet the spec that asked for it converges on 1.33', async () => {
    const upgraded = async () => {
      const c = await aws.eks.describeCluster('legacy');
      return c?.status === 'ACTIVE' && c.version === '1.33';
    };
    for (let i = 0; i < 200 && !(await upgraded()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await upgraded()).toBe(true);
    await expect(chooseKubernetesVersion(aws, '1.32')).rejects.toThrow(
      /1\.32 is not offered by EKS in us-west-2/,
    );
    const choice = await chooseKubernetesVersion(aws, '1.32', '1.33');
    expect(choice).toMatchObject({
      version: '1.33',
      kept: 'the cluster runs Kubernetes 1.33, above the 1.32 the spec asks for (EKS upgrades clusters by itself); 1.33 is kept and recorded',
    });
    emu.clearCalls();
    const report = expectOk(await provision(spec, aws));
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.summary).toBe(
      'cluster legacy is ACTIVE (1.33, above the 1.32 the spec asks for)',
    );
    expect(upgradeCalls(emu)).toEqual([]);
  });

  it('an unset version keeps what the cluster runs instead of moving to EKS default', async () => {
    expect(await chooseKubernetesVersion(aws, undefined, '1.33')).toEqual({
      version: '1.33',
      extendedSupport: expect.stringMatching(/^Kubernetes 1\.33 is in EKS extended support until 2027-07-29/),
    });
  });
});

describe('asking for a higher version', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const spec = small('up', '1.32', { addons: [{ name: 'aws-ebs-csi-driver' }] });
  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(await provision(spec, aws));
  });
  afterAll(() => emu.stop());

  it('a dry run says how: one minor version at a time, node groups and add-ons following', async () => {
    emu.clearCalls();
    const report = expectOk(await dryRun(at(spec, '1.34'), aws));
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.summary).toBe(
      'upgrade Kubernetes 1.32 -> 1.33 -> 1.34: the control plane, then node groups cpu and add-ons aws-ebs-csi-driver, coredns, eks-pod-identity-agent, kube-proxy, vpc-cni (to compatible versions), at each step',
    );
    expect(upgradeCalls(emu)).toEqual([]);
  });

  it('upgrades the control plane step by step, waiting each, then the node group and incompatible add-ons', async () => {
    emu.clearCalls();
    const report = expectOk(await provision(at(spec, '1.34'), aws));
    expect(report.steps.find((s) => s.id === 'aws:cluster')).toMatchObject({
      result: 'updated',
      summary: 'cluster up is ACTIVE (1.34)',
    });
    expect(upgradeCalls(emu)).toEqual([
      'UpdateClusterVersion 1.33',
      'UpdateNodegroupVersion cpu 1.33',
      'UpdateAddon coredns v1.12.1-eksbuild.2',
      'UpdateAddon kube-proxy v1.33.3-eksbuild.2',
      'UpdateClusterVersion 1.34',
      'UpdateNodegroupVersion cpu 1.34',
      'UpdateAddon coredns v1.12.3-eksbuild.2',
      'UpdateAddon kube-proxy v1.34.3-eksbuild.2',
    ]);
    const cluster = emu.state().eks.clusters.find((c) => c.name === 'up')!;
    expect(cluster.version).toBe('1.34');
    expect(cluster.nodegroups.map((n) => n.version)).toEqual(['1.34']);
    expect(Object.fromEntries(cluster.addons.map((a) => [a.addonName, a.status]))).toMatchObject({
      coredns: 'ACTIVE',
      'kube-proxy': 'ACTIVE',
    });
  });

  it('a second run changes nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await provision(at(spec, '1.34'), aws));
    expect(report.steps.every((s) => s.result === 'unchanged')).toBe(true);
    expect(upgradeCalls(emu)).toEqual([]);
  });

  it('refuses, before any change, what would stop an upgrade half-way', async () => {
    const legacy = small('al2', '1.32', {
      nodeGroups: [cpu, { ...cpu, name: 'legacy', amiType: 'AL2_x86_64' }],
      addons: [{ name: 'kube-proxy', version: 'v1.32.3-eksbuild.2' }],
    });
    expectOk(await provision(legacy, aws));
    // Someone else's node group, which gitops does not move: it blocks a two-step upgrade.
    const eks = new EKSClient(clientConfig(emu));
    const c = await aws.eks.describeCluster('al2');
    const role = emu.state().iam.roles.find((r) => r.RoleName === 'gitops-al2-node')!.Arn;
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'al2',
        nodegroupName: 'theirs',
        nodeRole: role,
        subnets: emu.state().eks.clusters.find((x) => x.name === 'al2')!.nodegroups[0]!.subnets as string[],
        instanceTypes: ['m5.large'],
        scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 },
      }),
    );
    eks.destroy();
    expect(c?.version).toBe('1.32');
    emu.clearCalls();
    const error = await checkAgainstAws(aws, at(legacy, '1.34'), new RecordingSink()).catch((e: Error) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    const lines = [(error as Error).message, ...((error as { details?: string[] }).details ?? [])];
    expect(lines).toEqual([
      'nodeGroups[legacy].amiType: AL2_x86_64: EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1.34 (the last is 1.32); use AL2023_x86_64_STANDARD',
      'kubernetesVersion: node group theirs is not managed by gitops, and EKS needs it at each version from 1.32 to 1.34 before the control plane moves on; upgrade it yourself, or one minor version at a time',
      'addons[kube-proxy].version: v1.32.3-eksbuild.2 is not offered for Kubernetes 1.34; EKS offers v1.34.3-eksbuild.2, v1.34.0-eksbuild.1',
    ]);
    // The plan refuses the same, in the cluster step, before any update.
    const report = await provision(at(legacy, '1.34'), aws);
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.error?.message).toMatch(
      /^nodeGroups\[legacy\]\.amiType/,
    );
    expect(upgradeCalls(emu)).toEqual([]);
  });
});
