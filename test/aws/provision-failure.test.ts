// Terminal states stop the run at the first poll that sees them, with AWS's own reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { RecordingSink } from '../support/recording-sink.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, mlSpec, provision, SCALE, startEmulator } from './fixtures.js';

const CLUSTER_CREATE_MS = 9 * 60_000 * SCALE;

describe('terminal states', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it('a cluster that goes FAILED stops the run within one poll, with the reason', async () => {
    const reason = 'The cluster role could not be assumed by EKS';
    emu.addLifecycleFault({ resource: 'cluster', name: 'broken', outcome: 'FAILED', message: reason });
    const sink = new RecordingSink();
    const report = await provision(mlSpec('broken'), aws, { sink });
    expect(report.ok).toBe(false);
    const step = report.steps.find((s) => s.id === 'aws:cluster')!;
    expect(step.result).toBe('failed');
    expect(step.error?.code).toBe('GITOPS_AWS');
    expect(step.error?.message).toBe(`cluster broken is FAILED: InternalFailure: ${reason}`);
    // Nothing that needs the cluster started.
    for (const s of report.steps.filter((x) => /nodegroup|addon|access/.test(x.id)))
      expect(s.result).toBe('skipped');
    expect(emu.calls({ operation: 'CreateNodegroup' })).toEqual([]);

    // Detected by the first poll after the cluster turned FAILED, and no poll after that. (Counted
    // in polls, not milliseconds, so that a loaded machine cannot make it flaky. The call log
    // stamps arrival, so the poll that saw FAILED may be stamped a moment before it: at most one.)
    const created = emu.state().eks.clusters.find((c) => c.name === 'broken')!.createdAt as number;
    const failedAt = created * 1000 + CLUSTER_CREATE_MS;
    const finished = sink.ofType('step-finished').find((e) => e.stepId === 'aws:cluster')!.at;
    const polls = emu.calls({ operation: 'DescribeCluster' }).map((c) => c.at);
    expect(polls.filter((t) => t >= failedAt).length).toBeLessThanOrEqual(1);
    expect(polls.filter((t) => t > finished)).toEqual([]);
    // Progress was reported with state and elapsed time while it was creating.
    const progress = sink.ofType('step-progress').filter((e) => e.stepId === 'aws:cluster');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]!.message).toBe('cluster broken: CREATING');
    expect(progress.every((p) => typeof p.elapsedMs === 'number')).toBe(true);
  });

  it('a re-run refuses the FAILED cluster and says what to do', async () => {
    const report = await provision(mlSpec('broken'), aws);
    // The create step finds it first; the wait for ACTIVE never starts.
    const step = report.steps.find((s) => s.id === 'aws:cluster:create')!;
    expect(report.steps.find((s) => s.id === 'aws:cluster')?.result).toBe('skipped');
    expect(step.error?.message).toContain('EKS cluster broken is FAILED: InternalFailure');
    expect(step.error?.hint).toContain('gitops destroy');
  });

  it('a node group that ends CREATE_FAILED fails its step with the health issue', async () => {
    emu.addLifecycleFault({
      resource: 'nodegroup',
      name: 'gpu',
      outcome: 'CREATE_FAILED',
      message: 'Could not launch On-Demand Instances. InsufficientInstanceCapacity',
    });
    const report = await provision(mlSpec('gpuless'), aws);
    const gpu = report.steps.find((s) => s.id === 'aws:nodegroup:gpu')!;
    expect(gpu.result).toBe('failed');
    expect(gpu.error?.message).toBe(
      'node group gpu is CREATE_FAILED: NodeCreationFailure: Could not launch On-Demand Instances. InsufficientInstanceCapacity',
    );
    expect(report.steps.find((s) => s.id === 'aws:cluster')!.result).toBe('created');
  });

  it('a NAT gateway that fails stops the network with its failure message', async () => {
    emu.addLifecycleFault({
      resource: 'natgateway',
      outcome: 'FAILED',
      message: 'Elastic IP address could not be associated',
    });
    const report = await provision(mlSpec('natless'), aws);
    const nat = report.steps.find((s) => s.id === 'aws:network:nat')!;
    expect(nat.result).toBe('failed');
    expect(nat.error?.message).toMatch(
      /NAT gateway nat-[0-9a-f]+ is failed: nat-[0-9a-f]+ failed: InternalError: Elastic IP address could not be associated/,
    );
    // A re-run replaces the failed NAT gateway (with a fresh idempotency token) and converges.
    const again = await provision(mlSpec('natless'), aws);
    expect(again.ok).toBe(true);
    const live = emu.state().ec2.natGateways.filter((n) => n.state === 'available');
    expect(live.filter((n) => n.tags.some((t) => t.Value === 'natless'))).toHaveLength(1);
  });
});
