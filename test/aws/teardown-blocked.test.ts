// A teardown blocked by something that is not ours (a subnet someone added to our VPC): deletes
// hitting DependencyViolation are retried with backoff, the run finishes once the blocker is
// gone, and if it never goes the step fails at the deadline naming AWS's reason.
import { CreateSubnetCommand, CreateVpcCommand, DeleteSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { ownershipTags } from '../../src/integrations/aws/tags.js';
import type { GitopsEvent } from '../../src/primitives/events.js';
import { RecordingSink } from '../support/recording-sink.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { clientsFor, count, expectOk, mlSpec, provision, startEmulator, teardown } from './fixtures.js';

const WAITING_FOR_VPC = /^delete VPC vpc-[0-9a-f]+: waiting for dependencies to clear/;

describe('teardown blocked by a foreign dependency', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let ec2: EC2Client;

  const foreignSubnetIn = async (vpcId: string) =>
    (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.96.0/19', AvailabilityZone: 'us-west-2a' }),
      )
    ).Subnet!.SubnetId!;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    ec2 = new EC2Client(clientConfig(emu));
  });
  afterAll(() => emu.stop());

  it('retries DependencyViolation with backoff and finishes once the blocker is removed', async () => {
    expectOk(
      await provision(mlSpec('blocked', { network: { natGateways: 'none', availabilityZones: 2 } }), aws),
    );
    const vpc = emu.state().ec2.vpcs.find((v) => v.tags.some((t) => t.Value === 'blocked'))!;
    // 10.0.96.0/19 is the one block of the VPC gitops leaves free.
    const foreign = await foreignSubnetIn(vpc.id);
    let removed = false;
    const sink = new (class extends RecordingSink {
      override emit(e: GitopsEvent): void {
        super.emit(e);
        // Someone deletes their subnet while we are waiting on it.
        if (!removed && e.type === 'step-progress' && WAITING_FOR_VPC.test(e.message)) {
          removed = true;
          void ec2.send(new DeleteSubnetCommand({ SubnetId: foreign }));
        }
      }
    })();
    const report = expectOk(await teardown('blocked', aws, { sink, timeoutMs: 60_000 }));
    expect(removed).toBe(true);
    expect(report.steps.find((s) => s.id === 'aws:network')?.result).toBe('deleted');
    expect(
      emu.calls({ operation: 'DeleteVpc' }).filter((c) => c.errorCode === 'DependencyViolation').length,
    ).toBeGreaterThan(0);
    expect(count(emu.state(), 'blocked')).toEqual({});
  });

  it('gives up at the deadline, naming what AWS says is in the way; the foreign subnet is untouched', async () => {
    // What is left of a cluster's network after everything else went: its VPC, with a subnet in it
    // that is not ours.
    const vpc = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.0.0.0/16',
        TagSpecifications: [
          {
            ResourceType: 'vpc',
            Tags: Object.entries(ownershipTags('stuck')).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    );
    const foreign = await foreignSubnetIn(vpc.Vpc!.VpcId!);
    const started = Date.now();
    const report = await teardown('stuck', aws, { timeoutMs: 3000 });
    const network = report.steps.find((s) => s.id === 'aws:network')!;
    expect(network.result).toBe('failed');
    expect(network.error?.code).toBe('GITOPS_TIMEOUT');
    expect(network.error?.message).toMatch(
      /^delete VPC vpc-[0-9a-f]+: still failing when the deadline passed: EC2 DeleteVpc failed: DependencyViolation: /,
    );
    expect(network.error?.hint).toMatch(/raise --timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(
      emu.calls({ operation: 'DeleteVpc' }).filter((c) => JSON.stringify(c.params).includes(vpc.Vpc!.VpcId!))
        .length,
    ).toBeGreaterThan(2);
    expect(emu.state().ec2.subnets.map((s) => s.id)).toContain(foreign);
  });
});
