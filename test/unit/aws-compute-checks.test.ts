// The compute checks' pure parts: which vCPU quota an instance type counts against, and what
// EKS would refuse about a node group's instance types given what EC2 says they are.
import { describe, expect, it } from 'vitest';
import { typeProblems } from '../../src/integrations/aws/compute/checks.js';
import { quotaClass } from '../../src/integrations/aws/compute/quotas.js';
import type { InstanceTypeInfo } from '../../src/integrations/aws/ports-compute.js';
import { nodeGroupSchema } from '../../src/spec/schema.js';

const type = (
  name: string,
  arch: string,
  gpus: InstanceTypeInfo['gpus'] = [],
  neuronDevices = 0,
): InstanceTypeInfo => ({
  name,
  architectures: [arch],
  vcpus: 4,
  gpus,
  neuronDevices,
});
const TYPES = new Map(
  [
    type('m5.large', 'x86_64'),
    type('t4g.medium', 'arm64'),
    type('g4ad.xlarge', 'x86_64', [{ manufacturer: 'AMD', name: 'Radeon Pro V520', count: 1 }]),
    type('g5.xlarge', 'x86_64', [{ manufacturer: 'NVIDIA', name: 'A10G', count: 1 }]),
    type('inf2.xlarge', 'x86_64', [], 1),
  ].map((t) => [t.name, t]),
);
const group = (name: string, instanceTypes: string[], amiType: string) =>
  nodeGroupSchema.parse({ name, instanceTypes, amiType, minSize: 0, desiredSize: 0, maxSize: 1 });

describe('compute checks', () => {
  it.each([
    ['m6i.2xlarge', 'standard'],
    ['c7g.xlarge', 'standard'],
    ['t3.medium', 'standard'],
    ['i4i.large', 'standard'],
    ['g4dn.xlarge', 'g'],
    ['g5.xlarge', 'g'],
    ['vt1.3xlarge', 'g'],
    ['p4d.24xlarge', 'p'],
    ['inf2.xlarge', 'inf'],
    ['trn1.2xlarge', 'trn'],
    ['dl1.24xlarge', 'dl'],
    ['x2idn.16xlarge', 'x'],
    ['f2.6xlarge', 'f'],
    ['hpc7a.96xlarge', undefined],
    ['mac2.metal', undefined],
  ])('%s counts against the %s vCPU quota', (name, cls) => {
    expect(quotaClass(name)).toBe(cls);
  });

  it('names the node group and the field for each type EKS would refuse', () => {
    const problems = typeProblems(
      [
        group('arm', ['m5.large', 't4g.medium'], 'AL2023_ARM_64_STANDARD'),
        group('gpu', ['g5.xlarge', 'g4ad.xlarge', 'm5.large'], 'AL2023_x86_64_NVIDIA'),
        group('neuron', ['inf2.xlarge', 'g5.xlarge'], 'AL2023_x86_64_NEURON'),
        group('old', ['m5.large', 'foo.bar'], 'AL2_x86_64'),
      ],
      TYPES,
      '1.34',
      'us-west-2',
    );
    expect(problems).toEqual([
      'nodeGroups[arm].instanceTypes: m5.large is x86_64, but amiType AL2023_ARM_64_STANDARD runs on arm64',
      'nodeGroups[gpu].instanceTypes: g4ad.xlarge has no NVIDIA GPU, which amiType AL2023_x86_64_NVIDIA is made for',
      'nodeGroups[gpu].instanceTypes: m5.large has no NVIDIA GPU, which amiType AL2023_x86_64_NVIDIA is made for',
      'nodeGroups[neuron].instanceTypes: g5.xlarge has no AWS Neuron device, which amiType AL2023_x86_64_NEURON is made for',
      'nodeGroups[old].amiType: AL2_x86_64: EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1.34 (the last is 1.32); use AL2023_x86_64_STANDARD',
      'nodeGroups[old].instanceTypes: foo.bar is not an EC2 instance type in us-west-2',
    ]);
  });
});
