// The instance types that exist in the emulated region, what they are (architecture, vCPUs, memory,
// GPUs or Neuron devices) and the zones that offer them. Specifications are AWS's published ones;
// like us-west-2d in reality (it lacks g4dn and several other families, see README.md), the
// region's last zone lacks the GPU, Neuron and newer general-purpose types here, and p4d is only
// in the first two zones. DescribeInstanceTypes and DescribeInstanceTypeOfferings answer from it.

import type { EmulatorContext } from './context.js';
import { describe, type Ec2Op, invalidParameterValue } from './ec2-common.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './query.js';
import type { XmlObject } from './xml.js';
import { availabilityZones } from './zones.js';

export interface InstanceTypeInfo {
  name: string;
  arch: 'x86_64' | 'arm64';
  vcpus: number;
  memoryMiB: number;
  gpu?: { name: string; manufacturer: string; count: number; memoryMiB: number };
  neuron?: { name: string; count: number; memoryMiB: number };
  /** Zone letters (of the region's zones) that do not offer the type. */
  notIn?: string[];
}

const LAST = ['d', 'f'];
const nvidia = (name: string, count: number, memoryMiB: number) => ({
  name,
  manufacturer: 'NVIDIA',
  count,
  memoryMiB,
});

export const INSTANCE_TYPES: InstanceTypeInfo[] = [
  { name: 't3.medium', arch: 'x86_64', vcpus: 2, memoryMiB: 4096 },
  { name: 't3.large', arch: 'x86_64', vcpus: 2, memoryMiB: 8192 },
  { name: 't3.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 16384 },
  { name: 'm5.large', arch: 'x86_64', vcpus: 2, memoryMiB: 8192 },
  { name: 'm5.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 16384 },
  { name: 'm5.2xlarge', arch: 'x86_64', vcpus: 8, memoryMiB: 32768 },
  { name: 'm6i.large', arch: 'x86_64', vcpus: 2, memoryMiB: 8192, notIn: LAST },
  { name: 'm6i.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 16384, notIn: LAST },
  { name: 'm6i.2xlarge', arch: 'x86_64', vcpus: 8, memoryMiB: 32768, notIn: LAST },
  { name: 'c5.large', arch: 'x86_64', vcpus: 2, memoryMiB: 4096 },
  { name: 'c5.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 8192 },
  { name: 'c6i.large', arch: 'x86_64', vcpus: 2, memoryMiB: 4096, notIn: LAST },
  { name: 'c6i.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 8192, notIn: LAST },
  { name: 'r5.xlarge', arch: 'x86_64', vcpus: 4, memoryMiB: 32768 },
  { name: 't4g.medium', arch: 'arm64', vcpus: 2, memoryMiB: 4096 },
  { name: 'm7g.large', arch: 'arm64', vcpus: 2, memoryMiB: 8192, notIn: LAST },
  { name: 'm7g.xlarge', arch: 'arm64', vcpus: 4, memoryMiB: 16384, notIn: LAST },
  { name: 'c7g.xlarge', arch: 'arm64', vcpus: 4, memoryMiB: 8192 },
  {
    name: 'g4dn.xlarge',
    arch: 'x86_64',
    vcpus: 4,
    memoryMiB: 16384,
    gpu: nvidia('T4', 1, 16384),
    notIn: LAST,
  },
  // An emulator choice, as real types are missing from some zones: g6 is not in the first zone.
  {
    name: 'g6.xlarge',
    arch: 'x86_64',
    vcpus: 4,
    memoryMiB: 16384,
    gpu: nvidia('L4', 1, 24576),
    notIn: ['a'],
  },
  {
    name: 'g5.xlarge',
    arch: 'x86_64',
    vcpus: 4,
    memoryMiB: 16384,
    gpu: nvidia('A10G', 1, 24576),
    notIn: LAST,
  },
  {
    name: 'g5.2xlarge',
    arch: 'x86_64',
    vcpus: 8,
    memoryMiB: 32768,
    gpu: nvidia('A10G', 1, 24576),
    notIn: LAST,
  },
  {
    name: 'g5.12xlarge',
    arch: 'x86_64',
    vcpus: 48,
    memoryMiB: 196608,
    gpu: nvidia('A10G', 4, 24576),
    notIn: LAST,
  },
  { name: 'g5g.xlarge', arch: 'arm64', vcpus: 4, memoryMiB: 8192, gpu: nvidia('T4g', 1, 16384), notIn: LAST },
  {
    name: 'p4d.24xlarge',
    arch: 'x86_64',
    vcpus: 96,
    memoryMiB: 1179648,
    gpu: nvidia('A100', 8, 40960),
    notIn: ['c', 'd', 'e', 'f'],
  },
  {
    name: 'inf2.xlarge',
    arch: 'x86_64',
    vcpus: 4,
    memoryMiB: 16384,
    neuron: { name: 'Inferentia2', count: 1, memoryMiB: 32768 },
    notIn: LAST,
  },
];

export function instanceType(name: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.find((t) => t.name === name);
}

/** The zones of the emulated region that offer the type. */
export function zonesOffering(region: string, t: InstanceTypeInfo): string[] {
  return availabilityZones(region)
    .map((z) => z.name)
    .filter((z) => !(t.notIn ?? []).includes(z.slice(region.length)));
}

/** EC2's answer for names it does not know (DescribeInstanceTypes' own wording). */
export function unknownInstanceTypes(names: string[]): AwsError {
  return new AwsError(
    'InvalidInstanceType',
    `The following supplied instance types do not exist: [${names.join(', ')}]`,
    400,
  );
}

function typeXml(t: InstanceTypeInfo): XmlObject {
  return {
    instanceType: t.name,
    currentGeneration: true,
    freeTierEligible: false,
    supportedUsageClasses: ['on-demand', 'spot'],
    supportedVirtualizationTypes: ['hvm'],
    bareMetal: false,
    hypervisor: 'nitro',
    processorInfo: {
      supportedArchitectures: [t.arch],
      sustainedClockSpeedInGhz: t.arch === 'arm64' ? 2.6 : 3.1,
      manufacturer: t.arch === 'arm64' ? 'AWS' : 'Intel',
    },
    vCpuInfo: {
      defaultVCpus: t.vcpus,
      defaultCores: t.arch === 'arm64' ? t.vcpus : t.vcpus / 2,
      defaultThreadsPerCore: t.arch === 'arm64' ? 1 : 2,
    },
    memoryInfo: { sizeInMiB: t.memoryMiB },
    gpuInfo: t.gpu
      ? {
          gpus: [
            {
              name: t.gpu.name,
              manufacturer: t.gpu.manufacturer,
              count: t.gpu.count,
              memoryInfo: { sizeInMiB: t.gpu.memoryMiB },
            },
          ],
          totalGpuMemoryInMiB: t.gpu.count * t.gpu.memoryMiB,
        }
      : undefined,
    neuronInfo: t.neuron
      ? {
          neuronDevices: [
            { count: t.neuron.count, name: t.neuron.name, memoryInfo: { sizeInMiB: t.neuron.memoryMiB } },
          ],
          totalNeuronDeviceMemoryInMiB: t.neuron.count * t.neuron.memoryMiB,
        }
      : undefined,
  };
}

interface Offering {
  instanceType: string;
  location: string;
  tags: [];
}

function offerings(ctx: EmulatorContext, p: QueryParams): Offering[] {
  const locationType = p.str('LocationType') ?? 'region';
  const zones = availabilityZones(ctx.region);
  return INSTANCE_TYPES.flatMap((t): Offering[] => {
    const offered = zonesOffering(ctx.region, t);
    switch (locationType) {
      case 'region':
        return [{ instanceType: t.name, location: ctx.region, tags: [] }];
      case 'availability-zone':
        return offered.map((location) => ({ instanceType: t.name, location, tags: [] }));
      case 'availability-zone-id':
        return offered.map((z) => ({
          instanceType: t.name,
          location: zones.find((x) => x.name === z)!.id,
          tags: [],
        }));
      default:
        // outpost: no outposts in the emulated account.
        return [];
    }
  });
}

export const instanceTypeOps: Record<string, Ec2Op> = {
  DescribeInstanceTypes(_ctx, p) {
    const names = p.list('InstanceType');
    const unknown = names.filter((n) => !instanceType(n));
    if (unknown.length > 0) throw unknownInstanceTypes(unknown);
    const all = INSTANCE_TYPES.map((t) => ({ ...t, tags: [] }));
    const { items, next } = describe(p, {
      idParam: 'InstanceType',
      all,
      idOf: (t) => t.name,
      missing: (id) => unknownInstanceTypes([id]),
      page: { min: 5, max: 100 },
      fields: {
        'instance-type': (t) => [t.name],
        'processor-info.supported-architecture': (t) => [t.arch],
        'vcpu-info.default-vcpus': (t) => [String(t.vcpus)],
        'memory-info.size-in-mib': (t) => [String(t.memoryMiB)],
        'current-generation': () => ['true'],
        'gpu-info.gpus.manufacturer': (t) => [t.gpu?.manufacturer],
        'gpu-info.gpus.name': (t) => [t.gpu?.name],
        'gpu-info.gpus.count': (t) => [t.gpu ? String(t.gpu.count) : undefined],
      },
    });
    return { instanceTypeSet: items.map(typeXml), nextToken: next };
  },

  DescribeInstanceTypeOfferings(ctx, p) {
    const all = offerings(ctx, p);
    const { items, next } = describe(p, {
      idParam: 'NoIdsForThisCall',
      all,
      idOf: (o) => `${o.instanceType}@${o.location}`,
      missing: (id) => invalidParameterValue(`Unknown offering ${id}`),
      page: { min: 5, max: 1000 },
      fields: { 'instance-type': (o) => [o.instanceType], location: (o) => [o.location] },
    });
    const locationType = p.str('LocationType') ?? 'region';
    return {
      instanceTypeOfferingSet: items.map((o) => ({
        instanceType: o.instanceType,
        locationType,
        location: o.location,
      })),
      nextToken: next,
    };
  },
};
