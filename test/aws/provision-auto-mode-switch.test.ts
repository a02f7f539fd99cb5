// Changing an existing cluster's compute mode through the real SDK against the emulator: to Auto
// Mode is done in place as AWS documents it (UpdateClusterConfig with the three capabilities, then
// the node groups and the add-ons Auto Mode replaces go), refused while an add-on is older than
// Auto Mode needs, and back to node groups is refused before anything changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { roleName } from '../../src/integrations/aws/iam.js';
import { checkAgainstAws } from '../../src/integrations/aws/preflight.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import type { ClusterSpec } from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { RecordingSink } from '../support/recording-sink.js';
import {
  autoSpec,
  clientsFor,
  count,
  createCalls,
  expectOk,
  mlSpec,
  provision,
  startEmulator,
  teardown,
} from './fixtures.js';

async function refusal(aws: AwsClients, spec: ClusterSpec): Promise<string[]> {
  try {
    await checkAgainstAws(aws, spec, new RecordingSink());
  } catch (e) {
    if (isGitopsError(e) && e.code === 'GITOPS_BAD_CONFIG') return [e.message, ...e.details];
    throw e;
  }
  return [];
}

describe('moving a cluster between compute modes', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const old = mlSpec('move', {
    addons: [{ name: 'aws-ebs-csi-driver' }, { name: 'vpc-cni', version: 'v1.18.6-eksbuild.1' }],
  });
  const auto = autoSpec('move');

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(await provision(old, aws));
  });
  afterAll(() => emu.stop());

  it('refuses Auto Mode while an add-on is older than Auto Mode needs, changing nothing', async () => {
    emu.clearCalls();
    const problems = await refusal(aws, auto);
    expect(problems).toEqual([
      expect.stringMatching(
        /^compute: add-on vpc-cni v1\.18\.6-eksbuild\.1 is older than the v1\.19\.0-eksbuild\.1 EKS needs beside Auto Mode/,
      ),
    ]);
    expect(createCalls(emu)).toEqual([]);
  });

  it('turns Auto Mode on in place, then hands the node groups and replaced add-ons over', async () => {
    const newer = [{ name: 'aws-ebs-csi-driver' }, { name: 'vpc-cni', version: 'v1.19.2-eksbuild.1' }];
    expectOk(await provision({ ...old, addons: newer }, aws));
    expect(await refusal(aws, auto)).toEqual([]);
    emu.clearCalls();
    const started = Date.now();
    const report = expectOk(await provision(auto, aws));
    process.stderr.write(`switch to auto mode: ${Date.now() - started} ms\n`);
    const update = emu.calls({ operation: 'UpdateClusterConfig' });
    expect(update.map((c) => c.params)).toEqual([
      expect.objectContaining({
        computeConfig: {
          enabled: true,
          nodePools: ['general-purpose', 'system'],
          nodeRoleArn: `arn:aws:iam::${emu.accountId}:role/${roleName('move', 'auto-node')}`,
        },
        storageConfig: { blockStorage: { enabled: true } },
        kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
      }),
    ]);
    const result = (id: string) => report.steps.find((s) => s.id === id)?.result;
    expect(result('aws:cluster')).toBe('updated');
    expect(result('aws:auto-mode:handover')).toBe('deleted');
    // The cluster role got Auto Mode's policies before EKS was asked.
    const attach = emu.calls({ operation: 'AttachRolePolicy' }).map((c) => c.at);
    expect(Math.max(...attach)).toBeLessThan(update[0]!.at);
    const cluster = emu.state().eks.clusters[0]!;
    expect(cluster.computeConfig).toMatchObject({ enabled: true });
    expect(cluster.nodegroups).toEqual([]);
    expect(cluster.addons).toEqual([]);
    // Deleted only once EKS had Auto Mode on: the node groups' pods had somewhere to go.
    const deletes = emu.calls({ operation: 'DeleteNodegroup' });
    expect(deletes.length).toBe(2);
    expect(Math.min(...deletes.map((c) => c.at))).toBeGreaterThan(update[0]!.at);
    expect(emu.podIdentity('move').agent).toBe('auto-mode');
  });

  it('converges after the move: a re-run changes nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await provision(auto, aws));
    expect(report.steps.filter((s) => s.result !== 'unchanged').map((s) => s.id)).toEqual([]);
    expect(createCalls(emu)).toEqual([]);
  });

  it('refuses to turn Auto Mode off, before any change', async () => {
    emu.clearCalls();
    const problems = await refusal(aws, old);
    expect(problems).toEqual([
      expect.stringContaining('runs EKS Auto Mode, and gitops does not turn it off'),
    ]);
    expect(createCalls(emu)).toEqual([]);
  });

  it('tears down to nothing tagged for the cluster, the node groups\u2019 old role included', async () => {
    expectOk(await teardown('move', aws));
    expect(count(emu.state(), 'move')).toEqual({});
  });
});
