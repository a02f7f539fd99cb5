/**
 * What EKS checks about a node group's compute when it is created, checked before any change from
 * what EC2 says about the instance types (DescribeInstanceTypes): the types exist; their
 * architecture is the AMI type's ("[t4g.medium] is not a valid instance type for requested amiType
 * AL2023_x86_64_STANDARD", HHS/simpler-grants-gov#12404); an accelerated AMI type gets types with
 * its accelerator ("If you specify a GPU instance type, make sure to also specify an applicable
 * GPU AMI type", CreateNodegroup instanceTypes in botocore's eks model); an Amazon Linux 2 AMI type
 * only up to Kubernetes 1.32. Each problem names the node group and the field.
 */
import { al2Problem } from '../../../spec/aws-limits.js';
import type { NodeGroupSpec } from '../../../spec/schema.js';
import type { InstanceTypeInfo } from '../ports-compute.js';

/** The architecture an EKS AMI type runs on (its name says: ..._ARM_64_... or x86_64). */
export function amiArchitecture(amiType: string): string {
  return amiType.includes('ARM_64') ? 'arm64' : 'x86_64';
}

const needsNvidia = (amiType: string) => amiType.includes('NVIDIA') || amiType === 'AL2_x86_64_GPU';
const needsNeuron = (amiType: string) => amiType.includes('NEURON');

export function typeProblems(
  groups: readonly NodeGroupSpec[],
  types: ReadonlyMap<string, InstanceTypeInfo>,
  kubernetesVersion: string,
  region: string,
): string[] {
  const out: string[] = [];
  for (const g of groups) {
    const field = `nodeGroups[${g.name}]`;
    const al2 = al2Problem(g.amiType, kubernetesVersion);
    if (al2) out.push(`${field}.amiType: ${g.amiType}: ${al2}`);
    const arch = amiArchitecture(g.amiType);
    for (const name of g.instanceTypes) {
      const t = types.get(name);
      if (!t) {
        out.push(`${field}.instanceTypes: ${name} is not an EC2 instance type in ${region}`);
        continue;
      }
      if (!t.architectures.includes(arch)) {
        out.push(
          `${field}.instanceTypes: ${name} is ${t.architectures.join('/') || 'of no known architecture'}, but amiType ${g.amiType} runs on ${arch}`,
        );
      } else if (needsNvidia(g.amiType) && !t.gpus.some((x) => x.manufacturer === 'NVIDIA')) {
        out.push(`${field}.instanceTypes: ${name} has no NVIDIA GPU, which amiType ${g.amiType} is made for`);
      } else if (needsNeuron(g.amiType) && t.neuronDevices === 0) {
        out.push(
          `${field}.instanceTypes: ${name} has no AWS Neuron device, which amiType ${g.amiType} is made for`,
        );
      }
    }
  }
  return out;
}
