// A teardown blocked by something that is not ours (a subnet someone added to our VPC): deletes
// hitting DependencyViolation are retried with backoff until the deadline, then the step fails
// naming AWS's reason; everything else of ours is gone, the foreign subnet is untouched, and
// once it is removed a second teardown finishes the job.
import { CreateSubnetCommand, DeleteSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { RecordingSink } from '../../src/core/events.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { clientsFor, count, expectOk, mlSpec, provision, startEmulator, teardown } from './fixtures.js';

describe('teardown blocked by a foreign dependency', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let ec2: EC2Client;
  let foreignSubnet: string;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    ec2 = new EC2Client(clientConfig(emu));
    expectOk(
      await provision(mlSpec('blocked', { network: { natGateways: 'none', availabilityZones: 2 } }), aws),
    );
    const vpc = emu.state().ec2.vpcs.find((v) => v.tags.some((t) => t.Value === 'blocked'))!;
    // 10.0.96.0/19 is the one block of the VPC gitops leaves free.
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpc.id, CidrBlock: '10.0.96.0/19', AvailabilityZone: 'us-west-2a' }),
    );
    foreignSubnet = subnet.Subnet!.SubnetId!;
  });
  afterAll(() => emu.stop());

  it('retries DependencyViolation until the deadline, then fails with the reason', async () => {
    const sink = new RecordingSink();
    const started = Date.now();
    const report = await teardown('blocked', aws, { sink, timeoutMs: 3000 });
    expect(report.ok).toBe(false);
    const network = report.steps.find((s) => s.id === 'aws:network')!;
    expect(network.result).toBe('failed');
    expect(network.error?.code).toBe('GITOPS_TIMEOUT');
    expect(network.error?.message).toMatch(
      /^delete VPC vpc-[0-9a-f]+: still failing when the deadline passed: EC2 DeleteVpc failed: DependencyViolation: /,
    );
    expect(Date.now() - started).toBeGreaterThan(2500);
    expect(Date.now() - started).toBeLessThan(5000);
    // It kept trying (with backoff) and said so.
    expect(emu.calls({ operation: 'DeleteVpc' }).length).toBeGreaterThan(2);
    const progress = sink.ofType('step-progress').filter((e) => e.stepId === 'aws:network');
    expect(progress.some((p) => /waiting for dependencies to clear/.test(p.message))).toBe(true);
    // Everything else of ours went; the foreign subnet and our VPC remain.
    const left = count(emu.state(), 'blocked');
    expect(left).toEqual({ vpcs: 1 });
    expect(emu.state().ec2.subnets.map((s) => s.id)).toContain(foreignSubnet);
  });

  it('finishes once the blocker is gone', async () => {
    await ec2.send(new DeleteSubnetCommand({ SubnetId: foreignSubnet }));
    const report = expectOk(await teardown('blocked', aws));
    expect(report.steps.find((s) => s.id === 'aws:network')?.result).toBe('deleted');
    expect(count(emu.state(), 'blocked')).toEqual({});
  });
});
