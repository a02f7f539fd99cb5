// The access entries EKS makes itself when Auto Mode is enabled (EKS User Guide, access policy
// reference and "Considerations for EKS Auto Mode"): the node role gets an entry of type EC2 with
// AmazonEKSAutoNodePolicy, the cluster role one with Auto Mode's four cluster policies. Users can
// see them but not change them; disabling Auto Mode takes them away.

import type { EmulatorContext } from './context.js';
import { newAccessEntry } from './eks-access.js';
import type { AccessEntry, Cluster } from './eks-store.js';

const policy = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
export const AUTO_NODE_POLICY = policy('AmazonEKSAutoNodePolicy');
const CLUSTER_ROLE_POLICIES = [
  'AmazonEKSComputeClusterPolicy',
  'AmazonEKSBlockStorageClusterPolicy',
  'AmazonEKSLoadBalancingClusterPolicy',
  'AmazonEKSNetworkingClusterPolicy',
].map(policy);

function managedEntry(
  ctx: EmulatorContext,
  c: Cluster,
  principalArn: string,
  type: string,
  policies: string[],
  now: number,
): AccessEntry {
  const entry = newAccessEntry(ctx, c, principalArn, now);
  entry.type = type;
  entry.managedBy = 'auto-mode';
  if (type === 'EC2') entry.username = 'system:node:{{EC2PrivateDNSName}}';
  for (const policyArn of policies) {
    entry.policies.set(policyArn, {
      policyArn,
      accessScope: { type: 'cluster', namespaces: [] },
      associatedAt: now,
      modifiedAt: now,
    });
  }
  return entry;
}

/** Brings the Auto Mode entries in line with the cluster's Auto Mode configuration. */
export function autoModeAccessEntries(ctx: EmulatorContext, c: Cluster, now: number): void {
  for (const [arn, e] of c.accessEntries) if (e.managedBy === 'auto-mode') c.accessEntries.delete(arn);
  const mode = c.autoMode;
  if (!mode?.compute) return;
  const wanted: [string, string, string[]][] = [[c.roleArn, 'STANDARD', CLUSTER_ROLE_POLICIES]];
  if (mode.nodeRoleArn) wanted.push([mode.nodeRoleArn, 'EC2', [AUTO_NODE_POLICY]]);
  for (const [principal, type, policies] of wanted) {
    // An entry the user already made for the same principal is left as it is.
    if (!c.accessEntries.has(principal)) {
      c.accessEntries.set(principal, managedEntry(ctx, c, principal, type, policies, now));
    }
  }
}
