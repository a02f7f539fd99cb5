/**
 * EKS Auto Mode on the cluster itself: what `compute: auto` asks of the cluster (compute, block
 * storage and load balancing on, the built-in node pools run by gitops's Auto Mode node role), the
 * change an existing cluster needs, and what refuses a change of mode before anything is done.
 *
 * Turning Auto Mode on in place is what AWS documents ("Enable EKS Auto Mode on an existing
 * cluster": UpdateClusterConfig with the three capabilities together, once the cluster role has
 * Auto Mode's policies and a trust policy with sts:TagSession). Turning it off is refused: "EKS
 * will terminate all EC2 instances operated by EKS Auto Mode", "delete all Load Balancers operated
 * by EKS Auto Mode" and "will not delete EBS volumes provisioned by EKS Auto Mode" (EKS User Guide,
 * "Disable EKS Auto Mode"), which no re-run of a bootstrap should do to a running cluster.
 */
import { randomUUID } from 'node:crypto';
import type { StepContext } from '../../primitives/plan.js';
import { AUTO_MODE_NODE_POOLS, autoModeVersionProblem } from '../../spec/compute.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { compareVersions } from './addon-versions.js';
import type { AwsClients } from './clients.js';
import { roleName } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import type { AutoModeRequest, EksCluster } from './ports.js';
import { isOwned } from './tags.js';
import { waitForUpdate } from './updates.js';

/**
 * The least add-on versions a cluster may run when Auto Mode is turned on (EKS User Guide, "Enable
 * EKS Auto Mode on an existing cluster", Required Add-on Versions). kube-proxy's depends on its own
 * minor version; the table ends at 1.31, whose builds all came after Auto Mode.
 */
const MINIMUMS: Record<string, string | Record<string, string>> = {
  'vpc-cni': 'v1.19.0-eksbuild.1',
  'aws-ebs-csi-driver': 'v1.37.0-eksbuild.1',
  'snapshot-controller': 'v8.1.0-eksbuild.2',
  'eks-pod-identity-agent': 'v1.3.4-eksbuild.1',
  'kube-proxy': {
    '1.25': 'v1.25.16-eksbuild.22',
    '1.26': 'v1.26.15-eksbuild.19',
    '1.27': 'v1.27.16-eksbuild.14',
    '1.28': 'v1.28.15-eksbuild.4',
    '1.29': 'v1.29.10-eksbuild.3',
    '1.30': 'v1.30.6-eksbuild.3',
    '1.31': 'v1.31.2-eksbuild.3',
  },
};

export function minimumForAutoMode(addon: string, version: string): string | undefined {
  const m = MINIMUMS[addon];
  if (typeof m !== 'object') return m;
  const minor = /^v?(\d+\.\d+)\./.exec(version)?.[1];
  return minor === undefined ? undefined : m[minor];
}

/** What `compute: auto` asks EKS for, with the Auto Mode node role's ARN. */
export function wantedAutoMode(nodeRoleArn: string): AutoModeRequest {
  return { nodeRoleArn, nodePools: [...AUTO_MODE_NODE_POOLS] };
}

/** The role name the cluster's Auto Mode nodes must run with: the spec's, or gitops's own. */
function expectedNodeRole(spec: ClusterSpec): string {
  return spec.iam.nodeRoleArn?.split('/').pop() ?? roleName(spec.name, 'auto-node');
}

/** The change an existing cluster needs for the spec's compute mode, or undefined. */
export function autoModeChange(spec: ClusterSpec, cluster: EksCluster): string | undefined {
  if (spec.compute !== 'auto') return undefined;
  const mode = cluster.autoMode;
  const pools = [...AUTO_MODE_NODE_POOLS].sort().join(', ');
  if (!mode?.compute)
    return `enable EKS Auto Mode on cluster ${cluster.name} (compute, block storage and load balancing; node pools ${pools})`;
  const have = [...mode.nodePools].sort().join(', ');
  return have === pools
    ? undefined
    : `set the built-in node pools of cluster ${cluster.name}: ${have || 'none'} -> ${pools}`;
}

/** Turns Auto Mode on (or sets its built-in pools) and waits until EKS has. */
export async function convergeAutoMode(
  ctx: StepContext,
  aws: AwsClients,
  cluster: EksCluster,
  request: AutoModeRequest,
): Promise<void> {
  // For this call only, as for endpoint access (endpoint.ts says why).
  const token = idempotencyToken('auto-mode', cluster.arn, JSON.stringify(request), randomUUID());
  const id = await aws.eks.enableAutoMode(cluster.name, request, token);
  await waitForUpdate(ctx, aws, { cluster: cluster.name, id, what: `EKS Auto Mode of ${cluster.name}` });
}

/**
 * What stops a change of compute mode before anything changes (one line each, for the preflight):
 * turning Auto Mode off, a version Auto Mode does not run, an authentication mode without access
 * entries, another node role than gitops's, add-ons older than Auto Mode needs beside it.
 */
export async function computeModeProblems(
  aws: AwsClients,
  spec: ClusterSpec,
  cluster: EksCluster | undefined,
): Promise<string[]> {
  if (!cluster) return [];
  const on = cluster.autoMode?.compute === true;
  if (spec.compute === 'nodegroups') {
    if (!on) return [];
    return [
      `compute: cluster ${cluster.name} runs EKS Auto Mode, and gitops does not turn it off: EKS would terminate every node and load balancer Auto Mode runs and leave its EBS volumes behind; keep compute: auto, or destroy the cluster and bootstrap it again with compute: nodegroups`,
    ];
  }
  if (on) {
    const role = cluster.autoMode?.nodeRoleArn?.split('/').pop();
    const expected = expectedNodeRole(spec);
    return role === undefined || role === expected
      ? []
      : [
          `compute: the EKS Auto Mode nodes of cluster ${cluster.name} run with role ${role}, not ${expected}, and EKS cannot change it while Auto Mode is on; give iam.nodeRoleArn the role it runs with`,
        ];
  }
  const problems: string[] = [];
  const version = autoModeVersionProblem(cluster.version);
  if (version)
    problems.push(
      `compute: cluster ${cluster.name} runs Kubernetes ${cluster.version}: ${version}; upgrade it first`,
    );
  if (cluster.authenticationMode === 'CONFIG_MAP')
    problems.push(
      `compute: cluster ${cluster.name} authenticates with the aws-auth ConfigMap only, and EKS Auto Mode needs access entries (authentication mode API or API_AND_CONFIG_MAP)`,
    );
  for (const name of await aws.eks.listAddons(cluster.name)) {
    const addon = await aws.eks.describeAddon(cluster.name, name);
    const least = addon ? minimumForAutoMode(name, addon.version) : undefined;
    if (addon && least && compareVersions(addon.version, least) < 0)
      problems.push(
        `compute: add-on ${name} ${addon.version} is older than the ${least} EKS needs beside Auto Mode; update it${isOwned(addon.tags, spec.name) ? ' (bootstrap once with compute: nodegroups and the version pinned in addons)' : ''}, then run again`,
      );
  }
  return problems;
}
