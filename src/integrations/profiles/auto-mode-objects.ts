/**
 * The objects a profile's compute needs become under EKS Auto Mode, written into its controllers
 * layer (before the workloads that select or tolerate them):
 *   - each node group as a NodePool (karpenter.sh/v1, which Auto Mode serves) carrying the group's
 *     labels and taints, its instance types, capacity type and architecture, and for NVIDIA AMI
 *     types the GPU manufacturer; a group whose disk is larger than Auto Mode's
 *     default ephemeral storage gets its own NodeClass (eks.amazonaws.com/v1) with that size,
 *     otherwise the pool uses the built-in `default` NodeClass. A NodeClass names no role, so its
 *     nodes run with the cluster's Auto Mode node role, whose access entry bootstrap ensures.
 *   - an IngressClass `alb` of Auto Mode's load balancing (controller eks.amazonaws.com/alb, with
 *     IngressClassParams), in place of the load balancer controller's class of that name, so
 *     Ingresses written for either mode work unchanged.
 * Sources: EKS User Guide, "Create a Node Pool for EKS Auto Mode", "Create a Node Class for Amazon
 * EKS", "Create an IngressClass to configure an Application Load Balancer".
 */
import type { NodeGroupSpec } from '../../spec/schema.js';
import type { ApiKind } from '../kube/api-kinds.js';
import { toCanonicalYaml } from './canonical-yaml.js';

export const NODE_POOL_API = 'karpenter.sh/v1';
export const NODE_CLASS_API = 'eks.amazonaws.com/v1';
/**
 * The kinds an Auto Mode cluster serves before anything is applied to it: Karpenter's NodePool
 * and NodeClaim, and EKS's NodeClass and IngressClassParams.
 */
export const AUTO_MODE_KINDS: readonly ApiKind[] = [
  { group: 'karpenter.sh', version: 'v1', kind: 'NodePool' },
  { group: 'karpenter.sh', version: 'v1', kind: 'NodeClaim' },
  { group: 'eks.amazonaws.com', version: 'v1', kind: 'NodeClass' },
  { group: 'eks.amazonaws.com', version: 'v1', kind: 'IngressClassParams' },
];
/** Auto Mode's ephemeral storage when a NodeClass does not say (GiB). */
export const AUTO_MODE_DEFAULT_DISK_GIB = 80;
/** The built-in NodeClass the built-in pools use. */
export const BUILTIN_NODE_CLASS = 'default';
/** The ingress class name both modes offer (the load balancer controller's default one). */
export const ALB_CLASS = 'alb';

/**
 * A profile's pools are named `gitops-<group>`: never one of Auto Mode's built-in pools
 * (general-purpose, system; base's node group is called system) and plainly gitops's in status.
 */
export function nodePoolName(group: string): string {
  return `gitops-${group.toLowerCase().replace(/_/g, '-')}`;
}

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'gitops' };

/** The NodeClass (when needed) and NodePool of one node group, as plain objects. */
export function nodePoolObjects(group: NodeGroupSpec): Record<string, unknown>[] {
  const name = nodePoolName(group.name);
  const ownClass = group.diskSize > AUTO_MODE_DEFAULT_DISK_GIB;
  const out: Record<string, unknown>[] = [];
  if (ownClass)
    out.push({
      apiVersion: NODE_CLASS_API,
      kind: 'NodeClass',
      metadata: { name, labels: MANAGED_BY },
      spec: { ephemeralStorage: { size: `${group.diskSize}Gi` } },
    });
  const requirements: Record<string, unknown>[] = [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [...group.instanceTypes] },
    {
      key: 'karpenter.sh/capacity-type',
      operator: 'In',
      values: [group.capacityType === 'SPOT' ? 'spot' : 'on-demand'],
    },
    {
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: [group.amiType.includes('ARM') ? 'arm64' : 'amd64'],
    },
  ];
  const accelerator = acceleratorOf(group.amiType);
  if (accelerator) requirements.push({ key: accelerator.label, operator: 'In', values: [accelerator.value] });
  out.push({
    apiVersion: NODE_POOL_API,
    kind: 'NodePool',
    metadata: { name, labels: MANAGED_BY },
    spec: {
      template: {
        ...(Object.keys(group.labels).length > 0 ? { metadata: { labels: group.labels } } : {}),
        spec: {
          nodeClassRef: {
            group: 'eks.amazonaws.com',
            kind: 'NodeClass',
            name: ownClass ? name : BUILTIN_NODE_CLASS,
          },
          requirements,
          ...(group.taints.length > 0 ? { taints: group.taints } : {}),
        },
      },
    },
  });
  return out;
}

/**
 * Auto Mode's label of GPU instances ("Create a Node Pool for EKS Auto Mode", supported labels).
 * Other accelerators (Neuron) are chosen by the group's instance types alone.
 */
function acceleratorOf(amiType: string): { label: string; value: string } | undefined {
  if (amiType.includes('NVIDIA') || amiType === 'AL2_x86_64_GPU')
    return { label: 'eks.amazonaws.com/instance-gpu-manufacturer', value: 'nvidia' };
  return undefined;
}

/** Auto Mode's IngressClass `alb` and its parameters (internet-facing, as the profiles' Ingresses ask). */
export function ingressClassObjects(): Record<string, unknown>[] {
  return [
    {
      apiVersion: NODE_CLASS_API,
      kind: 'IngressClassParams',
      metadata: { name: ALB_CLASS, labels: MANAGED_BY },
      spec: { scheme: 'internet-facing' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: ALB_CLASS, labels: MANAGED_BY },
      spec: {
        controller: 'eks.amazonaws.com/alb',
        parameters: { apiGroup: 'eks.amazonaws.com', kind: 'IngressClassParams', name: ALB_CLASS },
      },
    },
  ];
}

/** One YAML file of several objects, each written canonically. */
export function objectsFile(header: string, objects: readonly Record<string, unknown>[]): string {
  return `${header}\n${objects.map((o) => toCanonicalYaml(o)).join('---\n')}`;
}
