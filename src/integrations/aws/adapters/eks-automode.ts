/**
 * EKS Auto Mode's members of CreateCluster, UpdateClusterConfig and DescribeCluster. AWS turns the
 * three capabilities on together ("The compute, block storage, and load balancing capabilities
 * must all be enabled or disabled in the same request", EKS User Guide, "Enable EKS Auto Mode on
 * an existing cluster"), so every request here sends all three.
 */
import type * as Sdk from '@aws-sdk/client-eks';
import type { AutoModeConfig, AutoModeRequest } from '../ports.js';
import type { EksRun } from './eks-updates.js';

function members(r: AutoModeRequest) {
  return {
    computeConfig: { enabled: true, nodePools: [...r.nodePools], nodeRoleArn: r.nodeRoleArn },
    storageConfig: { blockStorage: { enabled: true } },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
  } satisfies Partial<Sdk.CreateClusterRequest>;
}

/** CreateCluster's members; EKS must not install its self-managed add-ons beside Auto Mode's own. */
export function createMembers(r: AutoModeRequest): Partial<Sdk.CreateClusterRequest> {
  return { ...members(r), bootstrapSelfManagedAddons: false };
}

export async function enableAutoMode(
  run: EksRun,
  name: string,
  request: AutoModeRequest,
  clientRequestToken: string,
): Promise<string> {
  const r = await run('UpdateClusterConfig', (sdk, c) =>
    c.send(new sdk.UpdateClusterConfigCommand({ name, ...members(request), clientRequestToken })),
  );
  return r.update?.id ?? '';
}

/** Undefined when DescribeCluster reports none of the three (a cluster that never had Auto Mode). */
export function autoModeOf(c: Sdk.Cluster): AutoModeConfig | undefined {
  const compute = c.computeConfig;
  const storage = c.storageConfig?.blockStorage;
  const elb = c.kubernetesNetworkConfig?.elasticLoadBalancing;
  if (compute === undefined && storage === undefined && elb === undefined) return undefined;
  return {
    compute: compute?.enabled === true,
    blockStorage: storage?.enabled === true,
    elasticLoadBalancing: elb?.enabled === true,
    nodePools: compute?.nodePools ?? [],
    ...(compute?.nodeRoleArn ? { nodeRoleArn: compute.nodeRoleArn } : {}),
  };
}
