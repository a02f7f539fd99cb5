// CreateVpc and CreateInternetGateway have no idempotency token: a create that timed out and was
// retried, or two runs racing, leave a second one behind. The next run finds the duplicate by its
// tags and removes it (with whatever is in it), so the account converges to exactly one of each.
import { CreateInternetGatewayCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownershipTags } from '../../src/integrations/aws/tags.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { clientsFor, count, expectOk, mlSpec, provision, startEmulator, ML_COMPLETE } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tagSpec = (type: 'vpc' | 'internet-gateway', cluster: string) => [
  {
    ResourceType: type,
    Tags: Object.entries(ownershipTags(cluster)).map(([Key, Value]) => ({ Key, Value })),
  },
];

describe('duplicates left by retried creates', () => {
  let emu: RunningEmulator;

  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  it('a CreateVpc that hung past the client timeout and was retried: the next run removes the extra VPC', async () => {
    const aws = clientsFor(emu, { requestTimeoutMs: 400 });
    // The first CreateVpc hangs 1.5 s (the client gives up at 400 ms and retries); the retry
    // goes through at once, and then the hung one completes too: two VPCs for one cluster.
    emu.clearCalls();
    emu.setFaults([{ service: 'ec2', operation: 'CreateVpc', hangMs: 1500, hangNth: [1] }]);
    expectOk(await provision(mlSpec('hung'), aws));
    // The hung request is carried out (and logged) when its hold ends, which may be after the run.
    for (let i = 0; i < 100 && count(emu.state(), 'hung').vpcs < 2; i++) await sleep(50);
    expect(count(emu.state(), 'hung').vpcs).toBe(2);
    expect(emu.calls({ operation: 'CreateVpc' }).length).toBe(2);
    emu.setFaults([]);

    const again = expectOk(await provision(mlSpec('hung'), aws));
    expect(again.steps.find((s) => s.id === 'aws:network')?.summary).toMatch(/^delete duplicate VPC vpc-/);
    expect(count(emu.state(), 'hung')).toMatchObject({ vpcs: 1, subnets: 6, internetGateways: 1 });
    expect(expectOk(await provision(mlSpec('hung'), aws)).steps.every((s) => s.result === 'unchanged')).toBe(
      true,
    );
  });

  it('an extra detached internet gateway is removed; the attached one stays', async () => {
    const aws = clientsFor(emu);
    expectOk(await provision(mlSpec('igw'), aws));
    const ec2 = new EC2Client(clientConfig(emu));
    await ec2.send(
      new CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', 'igw') }),
    );
    await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: tagSpec('vpc', 'igw') }),
    );
    expect(count(emu.state(), 'igw')).toMatchObject({ vpcs: 2, internetGateways: 2 });
    const report = expectOk(await provision(mlSpec('igw'), aws));
    expect(report.steps.find((s) => s.id === 'aws:network')?.result).toBe('updated');
    expect(count(emu.state(), 'igw')).toMatchObject({ vpcs: 1, internetGateways: 1 });
    const igw = emu.state().ec2.internetGateways.find((g) => g.tags.some((t) => t.Value === 'igw'))!;
    expect(igw.state).toBe('attached');
  });

  it('two runs of the same cluster at once: a re-run converges to exactly one of everything', async () => {
    const [a, b] = [clientsFor(emu), clientsFor(emu)];
    await Promise.all(
      [a, b].flatMap((c) => [c.ec2.availabilityZones(), c.iam.getRole('x'), c.ecr.listRepositories()]),
    );
    // Without a lock both create a VPC; EKS's and EC2's idempotency tokens keep the rest single.
    await Promise.all([provision(mlSpec('twin'), a), provision(mlSpec('twin'), b)]);
    expectOk(await provision(mlSpec('twin'), a));
    expect(count(emu.state(), 'twin')).toEqual(ML_COMPLETE);
    expect(expectOk(await provision(mlSpec('twin'), b)).steps.every((s) => s.result === 'unchanged')).toBe(
      true,
    );
  });
});
