// An add-on's advanced configuration (EKS's configurationValues) against the emulator with the real
// SDK clients: created with the add-on, in sync on a re-run whatever the key order, a different one
// set by hand is put back, and an add-on declaring none keeps what someone set through EKS.
import { DescribeAddonCommand, EKSClient, UpdateAddonCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { waitActive } from '../../src/integrations/aws/addons.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, run, startEmulator } from './fixtures.js';

const CNI = { enableNetworkPolicy: 'true', env: { NETWORK_POLICY_ENFORCING_MODE: 'standard' } };

describe('add-on configuration', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let eks: EKSClient;
  const spec = mlSpec('netpol', { addons: [{ name: 'vpc-cni', configuration: CNI }] });
  const steps = () => provisionSteps(spec, aws);
  const live = async (name: string) =>
    (await eks.send(new DescribeAddonCommand({ clusterName: 'netpol', addonName: name }))).addon
      ?.configurationValues;
  const byHand = async (name: string, configurationValues: string) => {
    await eks.send(new UpdateAddonCommand({ clusterName: 'netpol', addonName: name, configurationValues }));
    const ctx = { signal: new AbortController().signal, deadline: Date.now() + 30_000, progress: () => {} };
    await waitActive(ctx, aws, 'netpol', name);
  };

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    eks = new EKSClient(clientConfig(emu));
    expectOk(await run('provision', steps()));
  });
  afterAll(async () => {
    eks.destroy();
    await emu.stop();
  });

  it('creates the add-on with it, and a re-run finds it in sync', async () => {
    expect(JSON.parse((await live('vpc-cni')) ?? '{}')).toEqual(CNI);
    const again = expectOk(await run('again', steps()));
    expect(again.steps.find((s) => s.id === 'aws:addon:vpc-cni')?.result).toBe('unchanged');
  });

  it('takes the same data in another key order as in sync, and puts back a different one', async () => {
    await byHand(
      'vpc-cni',
      '{"env":{"NETWORK_POLICY_ENFORCING_MODE":"standard"},"enableNetworkPolicy":"true"}',
    );
    const same = expectOk(await run('same', steps()));
    expect(same.steps.find((s) => s.id === 'aws:addon:vpc-cni')?.result).toBe('unchanged');

    await byHand('vpc-cni', '{"enableNetworkPolicy":"false"}');
    const dry = await runDry();
    expect(dry.steps.find((s) => s.id === 'aws:addon:vpc-cni')?.summary).toBe(
      `set the configuration of add-on vpc-cni: ${JSON.stringify(CNI)}`,
    );
    const fixed = expectOk(await run('fix', steps()));
    expect(fixed.steps.find((s) => s.id === 'aws:addon:vpc-cni')?.result).toBe('updated');
    expect(JSON.parse((await live('vpc-cni')) ?? '{}')).toEqual(CNI);
  });

  it('leaves alone the configuration of an add-on that declares none', async () => {
    await byHand('coredns', '{"replicaCount":3}');
    const report = expectOk(await run('keep', steps()));
    expect(report.steps.find((s) => s.id === 'aws:addon:coredns')?.result).toBe('unchanged');
    expect(await live('coredns')).toBe('{"replicaCount":3}');
  });

  function runDry() {
    return runPlan(buildPlan('dry', steps()), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });
  }
});
