/**
 * `status`'s `compute`: how the cluster gets its nodes, and with Auto Mode its node pools and
 * whether each can make nodes. AWS says which mode and which built-in pools (DescribeCluster); the
 * cluster says which NodePools exist and their Ready condition (karpenter.sh/v1, which Auto Mode
 * serves: "kubectl get nodepools", EKS User Guide, "Create an EKS Auto Mode Cluster with the AWS
 * CLI"). A built-in pool the cluster does not hold is not ready.
 */
import type { ClusterStatus } from '../integrations/aws/status.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { readinessOf } from '../integrations/kube/readiness.js';
import { type SimulatedNote, simulatedOf } from '../integrations/kube/simulated.js';
import type { ComputeMode } from '../spec/compute.js';

export interface NodePoolStatus {
  name: string;
  /** One of EKS's built-in pools (general-purpose, system), not one of the profile's. */
  builtin: boolean;
  ready: boolean;
  reason: string;
}

export interface ComputeStatus {
  mode: ComputeMode;
  /** Auto Mode: the role its nodes run with. */
  nodeRole?: string;
  /** Auto Mode: the pools the cluster holds (read from its API), the built-in ones first. */
  nodePools: NodePoolStatus[];
}

export const NODE_POOL_API = { apiVersion: 'karpenter.sh/v1', kind: 'NodePool' } as const;

export function computeFromAws(state: ClusterStatus): ComputeStatus {
  const mode = state.autoMode;
  if (!mode?.compute) return { mode: 'nodegroups', nodePools: [] };
  return { mode: 'auto', ...(mode.nodeRoleArn ? { nodeRole: mode.nodeRoleArn } : {}), nodePools: [] };
}

/** The cluster's node pools and the problems they show; only for a cluster in Auto Mode. */
export async function readNodePools(
  client: KubeClient,
  state: ClusterStatus,
  signal: AbortSignal | undefined,
): Promise<{ nodePools: NodePoolStatus[]; problems: string[]; simulated: SimulatedNote[] }> {
  const builtin = state.autoMode?.compute ? state.autoMode.nodePools : [];
  const info = await client.discovery.find(NODE_POOL_API.apiVersion, NODE_POOL_API.kind);
  if (!info)
    return {
      nodePools: builtin.map((name) => ({ name, builtin: true, ready: false, reason: 'not served' })),
      problems: ['the cluster serves no karpenter.sh/v1 NodePool, which EKS Auto Mode runs its nodes with'],
      simulated: [],
    };
  const live = await client.listResource(info, { ...(signal ? { signal } : {}) });
  const byName = new Map(live.map((o) => [o.metadata.name ?? '', o]));
  const names = [...builtin, ...[...byName.keys()].filter((n) => !builtin.includes(n)).sort()];
  const nodePools = names.map((name): NodePoolStatus => {
    const obj = byName.get(name);
    if (!obj) return { name, builtin: true, ready: false, reason: 'not found in the cluster' };
    const r = readinessOf(obj);
    return { name, builtin: builtin.includes(name), ready: r.ready, reason: r.reason };
  });
  const problems = nodePools.filter((p) => !p.ready).map((p) => `node pool ${p.name}: ${p.reason}`);
  // A test environment's pools make no nodes: status lists them as stood in for.
  return { nodePools, problems, simulated: live.flatMap(simulatedOf) };
}
