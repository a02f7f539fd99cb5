/**
 * What the region offers, as EC2 describes it: its availability zones, and for the compute checks
 * DescribeInstanceTypes (what a type is) and DescribeInstanceTypeOfferings by availability zone
 * (where it is offered). The instance-type calls filter by name
 * instead of listing ids: an unknown name then simply does not appear, where InstanceType.N would
 * fail the whole call with InvalidInstanceType.
 */
import type * as Sdk from '@aws-sdk/client-ec2';
import type { InstanceTypeInfo } from '../ports-compute.js';
import { allPages } from './common.js';

type Run = <T>(operation: string, fn: (sdk: typeof Sdk, client: Sdk.EC2Client) => Promise<T>) => Promise<T>;

/** Filter values per call: node groups list far fewer types; a long list is asked in parts. */
const PER_CALL = 100;

export function availabilityZones(run: Run): Promise<string[]> {
  return run('DescribeAvailabilityZones', async (sdk, c) => {
    const r = await c.send(
      new sdk.DescribeAvailabilityZonesCommand({
        Filters: [
          { Name: 'state', Values: ['available'] },
          { Name: 'zone-type', Values: ['availability-zone'] },
        ],
      }),
    );
    return (r.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])).sort();
  });
}

export async function describeInstanceTypes(run: Run, names: readonly string[]): Promise<InstanceTypeInfo[]> {
  const out: InstanceTypeInfo[] = [];
  for (const chunk of chunks([...new Set(names)])) {
    const page = await run('DescribeInstanceTypes', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeInstanceTypesCommand({
            Filters: [{ Name: 'instance-type', Values: chunk }],
            MaxResults: 100,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: (r.InstanceTypes ?? []).map(toInfo), next: r.NextToken };
      }),
    );
    out.push(...page);
  }
  return out;
}

export async function instanceTypeZones(run: Run, names: readonly string[]): Promise<Map<string, string[]>> {
  const zones = new Map<string, string[]>();
  for (const chunk of chunks([...new Set(names)])) {
    const offerings = await run('DescribeInstanceTypeOfferings', (sdk, c) =>
      allPages(async (NextToken) => {
        const r = await c.send(
          new sdk.DescribeInstanceTypeOfferingsCommand({
            LocationType: 'availability-zone',
            Filters: [{ Name: 'instance-type', Values: chunk }],
            MaxResults: 1000,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: r.InstanceTypeOfferings ?? [], next: r.NextToken };
      }),
    );
    for (const o of offerings) {
      if (!o.InstanceType || !o.Location) continue;
      zones.set(o.InstanceType, [...(zones.get(o.InstanceType) ?? []), o.Location].sort());
    }
  }
  return zones;
}

function toInfo(t: Sdk.InstanceTypeInfo): InstanceTypeInfo {
  return {
    name: t.InstanceType ?? '',
    architectures: t.ProcessorInfo?.SupportedArchitectures ?? [],
    vcpus: t.VCpuInfo?.DefaultVCpus ?? 0,
    gpus: (t.GpuInfo?.Gpus ?? []).map((g) => ({
      manufacturer: g.Manufacturer ?? '',
      name: g.Name ?? '',
      count: g.Count ?? 0,
    })),
    neuronDevices: (t.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0),
  };
}

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += PER_CALL) out.push(list.slice(i, i + PER_CALL));
  return out;
}
