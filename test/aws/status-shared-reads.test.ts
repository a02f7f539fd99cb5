// `status --all` shares the account-wide reads every cluster's status repeats: with two clusters
// that both have CI roles, the CI role listing, each role, GitHub's provider and each cluster's
// describe are asked of AWS once, and so are the region's bucket listing and each bucket's tags,
// the region's ECR repository listing and each repository's tags, and the listing of every
// cluster's identity roles; the answers are the ones each cluster's own reads give.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketsStatus } from '../../src/integrations/aws/bucket-status.js';
import { bucketStep } from '../../src/integrations/aws/buckets.js';
import { ciStatus } from '../../src/integrations/aws/ci-status.js';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { identitiesStatus } from '../../src/integrations/aws/identity-status.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { withSharedReads } from '../../src/integrations/aws/shared-reads.js';
import { describeClusterStatus } from '../../src/integrations/aws/status.js';
import { clusterBucketName } from '../../src/spec/bucket.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, expectOk, mlSpec, provision, run, startEmulator } from './fixtures.js';

const ACCOUNT = '123456789012';
const CI = { github: { repositories: ['acme/models'] } };
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const identity = (serviceAccount: string): WorkloadIdentity => ({
  namespace: 'apps',
  serviceAccount,
  managedPolicyArns: [S3_READ],
  inlinePolicies: [],
});

describe('reads shared by status --all', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  const tagsOf = (cluster: string) =>
    Object.fromEntries(Object.entries(emu.state().eks.clusters.find((c) => c.name === cluster)?.tags ?? {}));
  const counted = (operation: string) => emu.calls({ operation }).length;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(await provision(mlSpec('research', { ci: CI }), aws));
    expectOk(await provision(mlSpec('dev', { ci: CI }), aws));
  }, 120_000);
  afterAll(() => emu.stop());

  it('asks the account once, and answers as each cluster alone would', async () => {
    const alone = await Promise.all(['research', 'dev'].map((c) => ciStatus(aws, c, tagsOf(c))));
    emu.clearCalls();
    const shared = withSharedReads(aws);
    const together = await Promise.all(
      ['research', 'dev', 'research', 'dev'].map((c) => ciStatus(shared, c, tagsOf(c))),
    );
    expect(together).toEqual([...alone, ...alone]);
    expect(together[0]?.inSync).toBe(true);
    expect(counted('ListRoles')).toBe(1);
    expect(counted('ListOpenIDConnectProviders')).toBe(1);
    expect(counted('GetOpenIDConnectProvider')).toBe(1);
    // Each CI role read once, though both clusters list both roles under the CI path.
    expect(counted('GetRole')).toBe(2);
    // Per-role reads that are not shared still happen per cluster's status.
    expect(counted('GetRolePolicy')).toBe(4);

    emu.clearCalls();
    await Promise.all([shared.eks.describeCluster('research'), shared.eks.describeCluster('research')]);
    expect(counted('DescribeCluster')).toBe(1);
    // Writes and the unshared reads are the clients' own.
    expect((await shared.eks.describeCluster('dev'))?.name).toBe('dev');
    expect(shared.region).toBe(aws.region);
  });

  it("lists the region's buckets and reads each one's tags once for all clusters", async () => {
    for (const c of ['research', 'dev']) {
      const spec = mlSpec(c);
      const logical = 'mlflow-artifacts';
      const bucket = { logical, name: clusterBucketName(ACCOUNT, spec.region, c, logical), variable: 'b' };
      expectOk(await run('provision', [bucketStep(spec, aws, bucket)]));
    }
    const alone = await Promise.all(['research', 'dev'].map((c) => bucketsStatus(aws, c)));
    expect(alone.map((s) => s.buckets.length)).toEqual([1, 1]);
    emu.clearCalls();
    const shared = withSharedReads(aws);
    const together = await Promise.all(['research', 'dev'].map((c) => bucketsStatus(shared, c)));
    expect(together).toEqual(alone);
    expect(counted('ListBuckets')).toBe(1);
    // One tag read per bucket, not one per bucket per cluster.
    expect(counted('GetBucketTagging')).toBe(2);
  });

  it("lists the region's ECR repositories and reads each one's tags once for all clusters", async () => {
    emu.pushImage('research/notebook', 'v1');
    const alone = await Promise.all(['research', 'dev'].map((c) => describeClusterStatus(aws, c)));
    // Each cluster has its own two repositories (mlSpec), found among the region's four by tag.
    expect(alone.map((s) => s.ecrRepositories.map((r) => r.name).sort())).toEqual([
      ['research/model-server', 'research/notebook'],
      ['dev/model-server', 'dev/notebook'],
    ]);
    emu.clearCalls();
    const shared = withSharedReads(aws);
    const together = await Promise.all(['research', 'dev'].map((c) => describeClusterStatus(shared, c)));
    expect(together).toEqual(alone);
    expect(together[0]?.ecrRepositories.find((r) => r.name === 'research/notebook')?.latestTag).toBe('v1');
    expect(counted('DescribeRepositories')).toBe(1);
    // One tag read per repository, not one per repository per cluster.
    expect(counted('ListTagsForResource')).toBe(4);
    // Each cluster's own repositories' images are still read for it.
    expect(counted('DescribeImages')).toBe(4);
  });

  it("lists every cluster's identity roles once, each cluster getting only its own", async () => {
    const identities = { research: [identity('reader'), identity('trainer')], dev: [identity('reader')] };
    for (const c of ['research', 'dev'] as const)
      expectOk(await run('provision', provisionSteps(mlSpec(c, { ci: CI }), aws, identities[c])));
    const alone = await Promise.all(['research', 'dev'].map((c) => identitiesStatus(aws, c, tagsOf(c))));
    expect(alone.map((s) => s.identities.map((i) => i.serviceAccount))).toEqual([
      ['apps/reader', 'apps/trainer'],
      ['apps/reader'],
    ]);
    expect(alone.flatMap((s) => s.identities.map((i) => i.roleArn))).toEqual([
      expect.stringContaining(':role/gitops/research/'),
      expect.stringContaining(':role/gitops/research/'),
      expect.stringContaining(':role/gitops/dev/'),
    ]);
    emu.clearCalls();
    const shared = withSharedReads(aws);
    const together = await Promise.all(
      ['research', 'dev'].map((c) => identitiesStatus(shared, c, tagsOf(c))),
    );
    expect(together).toEqual(alone);
    expect(together.every((s) => s.identities.every((i) => i.policiesInSync))).toBe(true);
    const listings = emu.calls({ operation: 'ListRoles' });
    expect(listings).toHaveLength(1);
    expect(listings[0]?.params).toMatchObject({ PathPrefix: '/gitops/' });
    // Each role's own reads still happen, once per role.
    expect(counted('GetRole')).toBe(3);
    expect(counted('ListAttachedRolePolicies')).toBe(3);
  });

  it('asks again after a failed read instead of keeping the failure', async () => {
    const shared = withSharedReads(aws);
    emu.setFaults([{ service: 'iam', operation: 'ListOpenIDConnectProviders', deny: true }]);
    await expect(shared.iam.listOpenIdConnectProviders()).rejects.toThrow(/not authorized|AccessDenied/i);
    emu.setFaults([]);
    const arns = await shared.iam.listOpenIdConnectProviders();
    expect(arns.some((a) => a.endsWith('token.actions.githubusercontent.com'))).toBe(true);
  });
});
