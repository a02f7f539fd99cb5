/**
 * How a cluster gets its nodes: `nodegroups` (managed node groups gitops creates, with the EKS
 * add-ons they need) or `auto` (EKS Auto Mode: EKS runs the nodes, their networking, DNS, block
 * storage and load balancing itself). The facts below are AWS's, from the EKS User Guide; they
 * decide what a spec in each mode may ask for.
 */
import { z } from 'zod';

export const COMPUTE_MODES = ['nodegroups', 'auto'] as const;
export type ComputeMode = (typeof COMPUTE_MODES)[number];
export const DEFAULT_COMPUTE: ComputeMode = 'nodegroups';

export const computeMode = z.enum(COMPUTE_MODES, {
  error: `must be one of ${COMPUTE_MODES.join(', ')}`,
});

/**
 * The add-ons Auto Mode makes redundant ("With Auto mode compute, many commonly used EKS add-ons
 * become redundant, such as: Amazon VPC CNI, kube-proxy, CoreDNS, Amazon EBS CSI Driver, EKS Pod
 * Identity Agent", EKS User Guide, "Amazon EKS add-ons", Considerations for Amazon EKS Auto
 * Mode). They stay necessary only beside other compute, which a cluster in `auto` mode has none of.
 */
export const AUTO_MODE_REPLACED_ADDONS: readonly string[] = [
  'vpc-cni',
  'kube-proxy',
  'coredns',
  'aws-ebs-csi-driver',
  'eks-pod-identity-agent',
];

/** Auto Mode's built-in node pools ("general-purpose and system default Node Pools"). */
export const AUTO_MODE_NODE_POOLS: readonly string[] = ['general-purpose', 'system'];

/** "EKS Auto Mode requires Kubernetes version 1.29 or greater" (EKS User Guide, create-auto). */
export const AUTO_MODE_MIN_MINOR = 29;

export function isReplacedByAutoMode(addon: string): boolean {
  return AUTO_MODE_REPLACED_ADDONS.includes(addon);
}

/** The problem with a Kubernetes version for Auto Mode, or undefined. */
export function autoModeVersionProblem(version: string): string | undefined {
  const minor = Number(version.split('.')[1] ?? 0);
  return minor < AUTO_MODE_MIN_MINOR
    ? `EKS Auto Mode needs Kubernetes 1.${AUTO_MODE_MIN_MINOR} or later, not ${version}`
    : undefined;
}

/**
 * What a spec in `auto` mode must not ask for, as [path, message] pairs: managed node groups
 * (Auto Mode runs the nodes) and the add-ons it replaces (a second copy would fight its own).
 */
export function autoModeSpecProblems(spec: {
  nodeGroups: readonly { name: string }[];
  addons: readonly { name: string }[];
  kubernetesVersion?: string | undefined;
}): [PropertyKey[], string][] {
  const problems: [PropertyKey[], string][] = [];
  if (spec.nodeGroups.length > 0)
    problems.push([
      ['nodeGroups'],
      'compute: auto runs no managed node groups (EKS Auto Mode makes the nodes); remove them, or use compute: nodegroups',
    ]);
  spec.addons.forEach((a, i) => {
    if (isReplacedByAutoMode(a.name))
      problems.push([
        ['addons', i, 'name'],
        `${a.name} is built into EKS Auto Mode (compute: auto); remove it from addons`,
      ]);
  });
  const version = spec.kubernetesVersion;
  const problem = version === undefined ? undefined : autoModeVersionProblem(version);
  if (problem) problems.push([['kubernetesVersion'], problem]);
  return problems;
}

/**
 * The parts of a spec (the profile's merged in) that its compute mode uses: in `auto` mode no node
 * groups and none of the add-ons Auto Mode replaces, so neither is created nor recorded as wanted.
 */
export function forCompute<
  S extends { compute: ComputeMode; nodeGroups: readonly unknown[]; addons: readonly { name: string }[] },
>(spec: S): S {
  if (spec.compute !== 'auto') return spec;
  return { ...spec, nodeGroups: [], addons: spec.addons.filter((a) => !isReplacedByAutoMode(a.name)) };
}

/**
 * In-cluster components a profile may ship that Auto Mode runs itself, by the component name the
 * bundled profiles use, with the service account of their Pod Identity role:
 *   - cluster-autoscaler: Auto Mode scales nodes with its own Karpenter-based node pools;
 *   - aws-load-balancer-controller: "EKS Auto Mode creates and configures Application Load
 *     Balancers" for Ingresses of its IngressClass (controller eks.amazonaws.com/alb) and NLBs for
 *     Services ("Create an IngressClass to configure an Application Load Balancer", EKS User Guide);
 *   - nvidia-device-plugin: "EKS Auto Mode includes the NVIDIA device plugin for Kubernetes. This
 *     plugin runs automatically and isn't visible as a daemon set" ("Deploy an accelerated workload").
 */
export const AUTO_MODE_REPLACED_COMPONENTS: readonly { name: string; serviceAccount?: string }[] = [
  { name: 'cluster-autoscaler', serviceAccount: 'kube-system/cluster-autoscaler' },
  { name: 'aws-load-balancer-controller', serviceAccount: 'kube-system/aws-load-balancer-controller' },
  { name: 'nvidia-device-plugin' },
];

export function isComponentReplacedByAutoMode(name: string): boolean {
  return AUTO_MODE_REPLACED_COMPONENTS.some((c) => c.name === name);
}

/** A service account whose identity belongs to a component Auto Mode replaces. */
export function isAccountReplacedByAutoMode(serviceAccount: string): boolean {
  return AUTO_MODE_REPLACED_COMPONENTS.some((c) => c.serviceAccount === serviceAccount);
}

/** The EBS CSI provisioner of Auto Mode's block storage ("Create a storage class", EKS User Guide). */
export const AUTO_MODE_EBS_PROVISIONER = 'ebs.csi.eks.amazonaws.com';
/** The provisioner of the aws-ebs-csi-driver add-on, which Auto Mode's replaces. */
export const ADDON_EBS_PROVISIONER = 'ebs.csi.aws.com';
