// What EKS checks about a managed node group's compute beyond its model: the instance types exist,
// are offered in every subnet's zone and suit the AMI type (architecture, accelerators), the AMI
// type exists for the Kubernetes version, and the group stays within EKS's limits. Sources and the
// limits that could not be confirmed are listed in README.md ("Node groups").

import type { EmulatorContext } from './context.js';
import { invalidParameter, invalidRequest } from './eks-common.js';
import { isAl2AmiType, LAST_AL2_MINOR } from './eks-upgrades.js';
import { type InstanceTypeInfo, instanceType, zonesOffering } from './ec2-instance-types.js';
import { AwsError } from './errors.js';

/** EKS's published limits for a managed node group. */
export const NODEGROUP_LIMITS = {
  /** "Nodes per managed node group" (Service Quotas eks L-BD136A63 default; adjustable). */
  maxNodes: 450,
  /** "Managed node groups per cluster" (Service Quotas default). */
  nodegroupsPerCluster: 30,
  taints: 50,
  instanceTypes: 20,
  /** The EKS AMIs' root snapshot is 20 GiB; a smaller root volume cannot be launched. */
  minDiskGiB: 20,
};

export interface NodegroupCompute {
  clusterName: string;
  nodegroupName: string;
  version: string;
  amiType: string;
  instanceTypes: string[];
  subnetZones: string[];
  maxSize: number;
  taints: number;
  diskSize: number | undefined;
  existingNodegroups: number;
}

const arch = (amiType: string) => (amiType.includes('ARM_64') ? 'arm64' : 'x86_64');
const nvidiaAmi = (amiType: string) => amiType.includes('NVIDIA') || amiType === 'AL2_x86_64_GPU';
const neuronAmi = (amiType: string) => amiType.includes('NEURON');
/** The EKS user guide: accelerated AMIs do not support these families, plain AMIs the others. */
const family = (t: string) => /^[a-z]+/.exec(t)?.[0] ?? '';
const NOT_FOR_ACCELERATED = ['a', 'c', 'hpc', 'm', 't'];
const NOT_FOR_PLAIN = (t: string) => /^(g3|g4|inf|p)/.test(t);

/** The instance type EKS uses when none is given, by AMI type. */
export function defaultInstanceType(amiType: string): string {
  if (neuronAmi(amiType)) return 'inf2.xlarge';
  if (nvidiaAmi(amiType)) return arch(amiType) === 'arm64' ? 'g5g.xlarge' : 'g4dn.xlarge';
  return arch(amiType) === 'arm64' ? 't4g.medium' : 't3.medium';
}

function suitsAmi(t: InstanceTypeInfo, amiType: string): boolean {
  if (amiType === 'CUSTOM') return true;
  if (t.arch !== arch(amiType)) return false;
  if (nvidiaAmi(amiType)) return t.gpu !== undefined && !NOT_FOR_ACCELERATED.includes(family(t.name));
  if (neuronAmi(amiType)) return t.neuron !== undefined;
  return !NOT_FOR_PLAIN(t.name);
}

/** The account's applied "Nodes per managed node group" quota (a test may raise it). */
export function maxNodesPerNodegroup(ctx: EmulatorContext): number {
  return ctx.quotas.get('eks', 'L-BD136A63') ?? NODEGROUP_LIMITS.maxNodes;
}

export function checkNodegroupCompute(ctx: EmulatorContext, n: NodegroupCompute): void {
  const fields = { clusterName: n.clusterName, nodegroupName: n.nodegroupName };
  if (n.existingNodegroups >= NODEGROUP_LIMITS.nodegroupsPerCluster) {
    throw new AwsError(
      'ResourceLimitExceededException',
      `Cluster ${n.clusterName} already has ${n.existingNodegroups} managed node groups, the maximum.`,
      400,
      fields,
    );
  }
  if (n.instanceTypes.length > NODEGROUP_LIMITS.instanceTypes) {
    throw invalidParameter(
      `A node group can have at most ${NODEGROUP_LIMITS.instanceTypes} instance types (got ${n.instanceTypes.length}).`,
      fields,
    );
  }
  if (n.taints > NODEGROUP_LIMITS.taints) {
    throw invalidParameter(
      `A node group can have at most ${NODEGROUP_LIMITS.taints} taints (got ${n.taints}).`,
      fields,
    );
  }
  const maxNodes = maxNodesPerNodegroup(ctx);
  if (n.maxSize > maxNodes) {
    throw invalidParameter(
      `maxSize ${n.maxSize} exceeds the ${maxNodes} nodes a managed node group may have.`,
      fields,
    );
  }
  if (n.diskSize !== undefined && n.diskSize < NODEGROUP_LIMITS.minDiskGiB) {
    throw invalidParameter(
      `diskSize ${n.diskSize} GiB is smaller than the AMI's ${NODEGROUP_LIMITS.minDiskGiB} GiB root volume.`,
      fields,
    );
  }
  if (isAl2AmiType(n.amiType) && Number(n.version.split('.')[1]) > LAST_AL2_MINOR) {
    throw invalidParameter(
      `Amazon Linux 2 AMIs (${n.amiType}) are not published for Kubernetes ${n.version}; use an AL2023 or Bottlerocket AMI type.`,
      fields,
    );
  }
  const unknown = n.instanceTypes.filter((t) => !instanceType(t));
  if (unknown.length > 0) {
    throw invalidParameter(
      `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
      fields,
    );
  }
  const types = n.instanceTypes.map((t) => instanceType(t)!);
  const unsuited = types.filter((t) => !suitsAmi(t, n.amiType));
  if (unsuited.length > 0) {
    throw invalidParameter(
      `[${unsuited.map((t) => t.name).join(', ')}] is not a valid instance type for requested amiType ${n.amiType}`,
      fields,
    );
  }
  for (const t of types) {
    const offered = zonesOffering(ctx.region, t);
    const missing = n.subnetZones.find((z) => !offered.includes(z));
    if (missing !== undefined) {
      throw invalidRequest(
        `Your requested instance type (${t.name}) is not supported in your requested Availability Zone (${missing}). Please retry your request by not specifying an Availability Zone or choosing ${offered.join(', ')}.`,
        fields,
      );
    }
  }
}
