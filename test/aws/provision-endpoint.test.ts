// Issue #19, endpoint access: `access.publicCidrs` and `access.privateEndpoint` applied on create
// and converged on a re-run with UpdateClusterConfig; status says when the public endpoint is open
// to the whole internet. The emulator's UpdateClusterConfig follows EKS's rules for it; the AWS CLI
// reads its answers too. Real SDK clients against the emulator.
import { EKSClient, UpdateClusterConfigCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/render/status.js';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { describeClusterStatus } from '../../src/integrations/aws/status.js';
import { createStyle } from '../../src/io/style.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { ClusterSpec } from '../../src/spec/schema.js';
import { clusterPart, type StatusDocument } from '../../src/usecases/status.js';
import { runAwsCli } from '../support/aws-emulator/aws-cli.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

const withAccess = (publicCidrs: string[], privateEndpoint = true): ClusterSpec =>
  mlSpec('gate', {
    nodeGroups: [{ name: 'cpu', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    ecrRepositories: [],
    access: { adminPrincipals: [], publicCidrs, privateEndpoint },
  });

const configCalls = (emu: RunningEmulator) => emu.calls({ service: 'eks', operation: 'UpdateClusterConfig' });

async function statusOf(aws: AwsClients): Promise<StatusDocument['cluster']> {
  return clusterPart(await describeClusterStatus(aws, 'gate', { ecrRepositories: [] }));
}

describe('endpoint access', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('is set on create: public from one block, and private', async () => {
    expectOk(await provision(withAccess(['203.0.113.0/24']), aws));
    const cluster = emu.state().eks.clusters.find((c) => c.name === 'gate')!;
    expect(cluster.resourcesVpcConfig).toMatchObject({
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: ['203.0.113.0/24'],
    });
    expect((await statusOf(aws)).endpointAccess).toEqual({
      public: true,
      private: true,
      publicCidrs: ['203.0.113.0/24'],
      openToInternet: false,
    });
  });

  it('is converged on a re-run: the dry run says what changes, one update, then nothing', async () => {
    const open = withAccess(['0.0.0.0/0']);
    emu.clearCalls();
    const dry = await runPlan(buildPlan('dry', provisionSteps(open, aws)), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });
    expect(dry.steps.find((s) => s.id === 'aws:cluster')?.summary).toBe(
      'endpoint access public (203.0.113.0/24) and private -> public (0.0.0.0/0) and private',
    );
    expect(configCalls(emu)).toEqual([]);
    const report = expectOk(await provision(open, aws));
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.result).toBe('updated');
    expect(configCalls(emu).map((c) => c.params)).toEqual([
      expect.objectContaining({
        resourcesVpcConfig: {
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ['0.0.0.0/0'],
        },
      }),
    ]);
    emu.clearCalls();
    expectOk(await provision(open, aws));
    expect(configCalls(emu)).toEqual([]);
  });

  it('status says when the public endpoint is open to the whole internet, in JSON and text', async () => {
    const cluster = await statusOf(aws);
    expect(cluster.endpointAccess).toMatchObject({ public: true, openToInternet: true });
    const doc = {
      ready: false,
      known: true,
      cluster,
      compute: { mode: 'nodegroups', nodePools: [] },
      addons: [],
      reconciler: { kind: 'flux', installed: false, ready: false, controllers: [] },
      sync: { inSync: false, failing: [] },
      layers: [],
      imageAutomation: [],
      ecrRepositories: [],
      simulated: [],
      identities: [],
      buckets: [],
      ci: null,
      problems: [],
    } satisfies StatusDocument;
    expect(renderStatus(doc, createStyle(false))).toContain(
      '  api access  public, open to the whole internet (0.0.0.0/0), private in the VPC',
    );
  });

  it('turns the public endpoint off: private only', async () => {
    expectOk(await provision(withAccess([]), aws));
    expect((await statusOf(aws)).endpointAccess).toEqual({
      public: false,
      private: true,
      publicCidrs: [],
      openToInternet: false,
    });
  });

  it('puts back the same hand-made change twice: the second fix is a new update, not a replay', async () => {
    // EKS answers an UpdateClusterConfig whose clientRequestToken it has seen with that earlier
    // update and applies nothing (the emulator does too): a token made from the wanted access
    // alone would make the second fix of the same drift a silent no-op.
    const eks = new EKSClient(clientConfig(emu));
    const active = async () => {
      for (let i = 0; i < 200; i++) {
        if ((await aws.eks.describeCluster('gate'))?.status === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('cluster gate did not become ACTIVE');
    };
    for (const round of [1, 2]) {
      await eks.send(
        new UpdateClusterConfigCommand({
          name: 'gate',
          resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
        }),
      );
      await active();
      expect((await statusOf(aws)).endpointAccess?.public, `round ${round}: drifted`).toBe(true);
      const report = expectOk(await provision(withAccess([]), aws));
      expect(report.steps.find((s) => s.id === 'aws:cluster')?.result, `round ${round}`).toBe('updated');
      expect((await statusOf(aws)).endpointAccess, `round ${round}: put back`).toMatchObject({
        public: false,
        private: true,
      });
    }
    eks.destroy();
  });

  it('the emulator replays an UpdateClusterConfig retried with its token, and refuses other parameters', async () => {
    const eks = new EKSClient(clientConfig(emu));
    const send = (publicAccess: boolean) =>
      eks.send(
        new UpdateClusterConfigCommand({
          name: 'gate',
          clientRequestToken: 'retry-me',
          resourcesVpcConfig: { endpointPublicAccess: publicAccess, endpointPrivateAccess: true },
        }),
      );
    const first = await send(true);
    const again = await send(true);
    expect(again.update?.id).toBe(first.update?.id);
    expect(await send(false).catch((e: Error) => e)).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('already used with different parameters'),
    });
    for (let i = 0; i < 200 && (await aws.eks.describeCluster('gate'))?.status !== 'ACTIVE'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    eks.destroy();
    expectOk(await provision(withAccess([]), aws));
  });

  it('the emulator answers UpdateClusterConfig as EKS does, and the AWS CLI reads it', async () => {
    const eks = new EKSClient(clientConfig(emu));
    const update = (resourcesVpcConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      eks
        .send(new UpdateClusterConfigCommand({ name: 'gate', resourcesVpcConfig, ...extra }))
        .catch((e: Error) => e);
    expect(await update({ endpointPublicAccess: false, endpointPrivateAccess: false })).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('enable private access to disable public access'),
    });
    expect(
      await update({ endpointPublicAccess: true, publicAccessCidrs: ['10.0.0.0/8', '203.0.113.7/24'] }),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: 'The following CIDRs are invalid in publicAccessCidrs: [10.0.0.0/8,203.0.113.7/24]',
    });
    const many = Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`);
    expect(await update({ endpointPublicAccess: true, publicAccessCidrs: many })).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await update({ endpointPrivateAccess: true })).toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Cluster is already at the desired configuration with endpointPrivateAccess: true , endpointPublicAccess: false, and Public Endpoint Restrictions: [0.0.0.0/0]',
    });
    expect(await update({ endpointPublicAccess: true }, { computeConfig: { enabled: false } })).toMatchObject(
      {
        name: 'InvalidParameterException',
        message: 'Only one type of update can be allowed.',
      },
    );
    const ok = await eks.send(
      new UpdateClusterConfigCommand({
        name: 'gate',
        resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['198.51.100.0/24'] },
      }),
    );
    expect(ok.update).toMatchObject({ type: 'EndpointAccessUpdate', status: 'InProgress' });
    eks.destroy();
    const cli = await runAwsCli(emu, [
      'eks',
      'describe-update',
      '--name',
      'gate',
      '--update-id',
      ok.update!.id!,
    ]);
    expect(cli.code).toBe(0);
    expect(cli.json['update']).toMatchObject({
      type: 'EndpointAccessUpdate',
      params: expect.arrayContaining([{ type: 'PublicAccessCidrs', value: '["198.51.100.0/24"]' }]),
    });
  });
});
