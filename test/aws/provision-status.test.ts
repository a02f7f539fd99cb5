// The read-only views `gitops status` uses, after a provision: one cluster with its node groups,
// add-ons and ECR repositories (latest image tag), and every cluster gitops manages in a region.
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { describeClusterStatus, listManagedClusters } from '../../src/aws/status.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

describe('status views', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(await provision(mlSpec('seen'), aws));
    emu.pushImage('seen/notebook', 'v1');
    await new Promise((r) => setTimeout(r, 5));
    emu.pushImage('seen/notebook', 'v2');
    // A cluster someone else made in the same region: not ours, not listed.
    const prereq = await createEksPrerequisites(emu, 'other');
    await new EKSClient(clientConfig(emu)).send(
      new CreateClusterCommand({
        name: 'other',
        roleArn: prereq.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: prereq.subnetIds },
      }),
    );
  });
  afterAll(() => emu.stop());

  it('describes the cluster, its node groups, add-ons and repositories, changing nothing', async () => {
    emu.clearCalls();
    const status = await describeClusterStatus(aws, 'seen');
    expect(status).toMatchObject({
      name: 'seen',
      region: 'us-west-2',
      found: true,
      managed: true,
      status: 'ACTIVE',
      version: '1.31',
    });
    expect(status.endpoint).toBeTruthy();
    expect(status.nodeGroups.map((n) => [n.name, n.status, n.desiredSize, n.managed])).toEqual([
      ['cpu', 'ACTIVE', 2, true],
      ['gpu', 'ACTIVE', 1, true],
    ]);
    expect(status.addons).toHaveLength(5);
    expect(status.addons.every((a) => a.status === 'ACTIVE' && a.managed && a.version.startsWith('v'))).toBe(
      true,
    );
    const repos = Object.fromEntries(status.ecrRepositories.map((r) => [r.name, r]));
    expect(repos['seen/notebook']).toMatchObject({ imageCount: 2, latestTag: 'v2' });
    expect(repos['seen/notebook']?.uri).toMatch(
      /^123456789012\.dkr\.ecr\.us-west-2\.amazonaws\.com\/seen\/notebook$/,
    );
    expect(repos['seen/model-server']).toMatchObject({ imageCount: 0 });
    expect(repos['seen/model-server']?.latestTag).toBeUndefined();
    expect(emu.calls().filter((c) => !/^(Describe|List|Get)/.test(c.operation))).toEqual([]);
  });

  it('reports a missing cluster as not found', async () => {
    expect(await describeClusterStatus(aws, 'ghost', { ecrRepositories: [] })).toEqual({
      name: 'ghost',
      region: 'us-west-2',
      found: false,
      managed: false,
      nodeGroups: [],
      addons: [],
      ecrRepositories: [],
    });
  });

  it('lists only the clusters gitops manages', async () => {
    const clusters = await listManagedClusters(aws);
    expect(clusters.map((c) => [c.name, c.status, c.version])).toEqual([['seen', 'ACTIVE', '1.31']]);
  });
});
