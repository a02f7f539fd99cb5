// Teardown after a full provision: ECR with images is refused unless forced (and the refusal
// deletes nothing), then everything tagged for the cluster goes, and a second teardown is a no-op.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, trustPolicy } from '../support/aws-emulator/testing.js';
import { clientsFor, count, expectOk, mlSpec, provision, startEmulator, teardown } from './fixtures.js';

describe('teardown', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let spec: ReturnType<typeof mlSpec>;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    const iam = new IAMClient(clientConfig(emu));
    const admins = await iam.send(
      new CreateRoleCommand({
        RoleName: 'admins',
        AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com'),
      }),
    );
    spec = mlSpec('doomed', { access: { adminPrincipals: [admins.Role!.Arn!] } });
    // A second cluster in the same account must not be touched by the teardown of the first.
    expectOk(
      await provision(
        mlSpec('bystander', { network: { vpcCidr: '10.1.0.0/16', natGateways: 'perAz' } }),
        aws,
      ),
    );
    expectOk(await provision(spec, aws));
    emu.pushImage('doomed/notebook', 'v1');
  });
  afterAll(() => emu.stop());

  it('(setup) gave the extra admin principal an access entry with cluster admin, tagged as ours', () => {
    const cluster = emu.state().eks.clusters.find((c) => c.name === 'doomed')!;
    const entry = cluster.accessEntries.find((e) => e.principalArn === spec.access.adminPrincipals[0])!;
    expect(entry.tags).toMatchObject({ 'gitops.dev/cluster': 'doomed' });
    expect(entry.associatedAccessPolicies).toEqual([
      expect.objectContaining({
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        accessScope: expect.objectContaining({ type: 'cluster' }),
      }),
    ]);
  });

  it('refuses repositories with images unless forced, before deleting anything', async () => {
    const before = count(emu.state(), 'doomed');
    const report = await teardown('doomed', aws);
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('GITOPS_CONFLICT');
    expect(report.error?.message).toContain('doomed/notebook (1)');
    expect(report.error?.hint).toContain('--force');
    expect(report.steps.filter((s) => s.result === 'deleted')).toEqual([]);
    expect(count(emu.state(), 'doomed')).toEqual(before);
  });

  it('with force, leaves nothing tagged for the cluster and the other cluster intact', async () => {
    const bystander = count(emu.state(), 'bystander');
    emu.clearCalls();
    const report = expectOk(await teardown('doomed', aws, { force: true }));
    expect(report.steps.map((s) => [s.id, s.result])).toEqual([
      ['aws:ecr', 'deleted'],
      ['aws:addons', 'deleted'],
      ['aws:nodegroups', 'deleted'],
      ['aws:access', 'deleted'],
      ['aws:pod-identity', 'unchanged'],
      ['aws:cluster', 'deleted'],
      ['aws:network', 'deleted'],
      ['aws:iam:cluster-role', 'deleted'],
      ['aws:iam:node-role', 'deleted'],
      ['aws:iam:auto-node-role', 'unchanged'],
      ['aws:iam:identities', 'unchanged'],
      ['aws:iam:ci', 'unchanged'],
      // provision() here makes no buckets (no profile): buckets-provision.test.ts has them.
      ['aws:s3', 'unchanged'],
    ]);
    const state = emu.state();
    expect(count(state, 'doomed')).toEqual({});
    expect(count(state, 'bystander')).toEqual(bystander);
    expect(state.eks.clusters.map((c) => c.name)).toEqual(['bystander']);
    expect(state.iam.roles.map((r) => r.RoleName)).toContain('admins');
    // Policies were detached before the roles went.
    const ops = emu.calls().map((c) => c.operation);
    expect(ops.lastIndexOf('DetachRolePolicy')).toBeLessThan(ops.lastIndexOf('DeleteRole'));
    expect(ops.indexOf('DeleteNatGateway')).toBeLessThan(ops.indexOf('DeleteSubnet'));
    expect(ops.lastIndexOf('DeleteSubnet')).toBeLessThan(ops.indexOf('DeleteVpc'));
  });

  it('is a no-op the second time', async () => {
    emu.clearCalls();
    const report = expectOk(await teardown('doomed', aws));
    expect(report.steps.every((s) => s.result === 'unchanged')).toBe(true);
    expect(emu.calls().filter((c) => /^(Delete|Detach|Release|Disassociate)/.test(c.operation))).toEqual([]);
  });
});
