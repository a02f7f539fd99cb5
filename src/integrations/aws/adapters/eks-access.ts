/**
 * EKS access entries over @aws-sdk/client-eks, for the EKS adapter: who may reach the cluster's
 * API and with which access policy. Kept apart from eks.ts so each file holds one job.
 */
import type * as Sdk from '@aws-sdk/client-eks';
import type { AccessEntry, Tags } from '../ports.js';
import { allPages } from './common.js';
import type { EksRun } from './eks-updates.js';

/** Like EksRun, but AWS's not-found answer is `undefined`. */
type EksDescribe = <T>(
  operation: string,
  fn: (sdk: typeof Sdk, client: Sdk.EKSClient) => Promise<T>,
) => Promise<T | undefined>;

export function listAccessEntries(run: EksRun, cluster: string): Promise<string[]> {
  return run('ListAccessEntries', (sdk, c) =>
    allPages(async (nextToken) => {
      const r = await c.send(
        new sdk.ListAccessEntriesCommand({ clusterName: cluster, ...(nextToken ? { nextToken } : {}) }),
      );
      return { items: r.accessEntries ?? [], next: r.nextToken };
    }),
  );
}

export async function describeAccessEntry(
  describe: EksDescribe,
  cluster: string,
  principalArn: string,
): Promise<AccessEntry | undefined> {
  const r = await describe('DescribeAccessEntry', (sdk, c) =>
    c.send(new sdk.DescribeAccessEntryCommand({ clusterName: cluster, principalArn })));
  const e = r?.accessEntry;
  if (!e) return undefined;
  return {
    principalArn: e.principalArn ?? principalArn,
    tags: e.tags ?? {},
    ...(e.type ? { type: e.type } : {}),
  };
}

export async function createAccessEntry(
  run: EksRun,
  cluster: string,
  principalArn: string,
  tags: Tags,
  clientRequestToken: string,
  type?: string,
): Promise<void> {
  await run('CreateAccessEntry', (sdk, c) =>
    c.send(
      new sdk.CreateAccessEntryCommand({
        clusterName: cluster,
        principalArn,
        tags,
        clientRequestToken,
        ...(type === undefined ? {} : { type }),
      }),
    ),
  );
}

export function listAssociatedAccessPolicies(
  run: EksRun,
  cluster: string,
  principalArn: string,
): Promise<string[]> {
  return run('ListAssociatedAccessPolicies', (sdk, c) =>
    allPages(async (nextToken) => {
      const r = await c.send(
        new sdk.ListAssociatedAccessPoliciesCommand({
          clusterName: cluster,
          principalArn,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      const items = (r.associatedAccessPolicies ?? []).flatMap((p) => (p.policyArn ? [p.policyArn] : []));
      return { items, next: r.nextToken };
    }),
  );
}

export async function associateClusterAccessPolicy(
  run: EksRun,
  cluster: string,
  principalArn: string,
  policyArn: string,
): Promise<void> {
  await run('AssociateAccessPolicy', (sdk, c) =>
    c.send(
      new sdk.AssociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn,
        policyArn,
        accessScope: { type: 'cluster' },
      }),
    ),
  );
}

export async function deleteAccessEntry(run: EksRun, cluster: string, principalArn: string): Promise<void> {
  await run('DeleteAccessEntry', (sdk, c) =>
    c.send(new sdk.DeleteAccessEntryCommand({ clusterName: cluster, principalArn })),
  );
}
