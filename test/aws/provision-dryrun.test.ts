// --dry-run observes only: every step says what it would change and the emulator's call log
// holds no mutating call, both from nothing and against an existing cluster with one change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { provisionSteps } from '../../src/aws/provision.js';
import { teardownSteps } from '../../src/aws/teardown.js';
import { RecordingSink } from '../../src/core/events.js';
import { buildPlan, type Step } from '../../src/core/plan.js';
import { runPlan } from '../../src/core/runner.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

const MUTATING =
  /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Disassociate|Update|Modify|Release|Allocate|Replace)/;

describe('dry run', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;

  const dryRun = (steps: Step[]) =>
    runPlan(buildPlan('dry', steps), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('from nothing: every step would change, nothing is called that changes anything', async () => {
    const report = expectOk(await dryRun(provisionSteps(mlSpec('plan'), aws)));
    expect(report.steps.every((s) => s.result === 'would-change')).toBe(true);
    expect(report.steps.find((s) => s.id === 'aws:network')?.summary).toMatch(
      /^create VPC 10\.0\.0\.0\/16; create private subnet/,
    );
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.summary).toBe(
      'create EKS cluster plan (Kubernetes 1.31)',
    );
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    expect(emu.state().ec2.vpcs.filter((v) => !v.isDefault)).toEqual([]);
  });

  it('against an existing cluster: only the changed step would change', async () => {
    expectOk(await provision(mlSpec('plan'), aws));
    emu.clearCalls();
    const spec = mlSpec('plan');
    spec.nodeGroups[0]!.maxSize = 9;
    const report = expectOk(await dryRun(provisionSteps(spec, aws)));
    const changed = report.steps.filter((s) => s.result !== 'unchanged');
    expect(changed.map((s) => [s.id, s.result, s.summary])).toEqual([
      ['aws:nodegroup:cpu', 'would-change', 'update node group cpu: scaling 1/2/9'],
    ]);
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('teardown: says what it would delete and deletes nothing', async () => {
    emu.clearCalls();
    const report = expectOk(await dryRun(teardownSteps({ name: 'plan' }, aws, { force: true })));
    // No extra admins in this spec, so no access entries of ours.
    expect(report.steps.filter((s) => s.result !== 'would-change').map((s) => s.id)).toEqual(['aws:access']);
    expect(report.steps.find((s) => s.id === 'aws:network')?.summary).toBe(
      'delete 1 NAT gateway, 1 Elastic IP, 6 subnets, 4 route tables, 1 internet gateway, 1 VPC',
    );
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });
});
