/**
 * Where node groups can run: EKS creates a managed node group only if every instance type is
 * offered in every subnet's zone ("Your requested instance type (g4dn.xlarge) is not supported in
 * your requested Availability Zone (us-west-2d)", eksctl-io/eksctl#6461), and zones differ (us-west-2d
 * lacked g4dn and m4, awslabs/ec2-spot-workshops#154). So the network's zones are chosen among those
 * that offer every node group's types (DescribeInstanceTypeOfferings by availability zone), not the
 * first ones alphabetically.
 */
import type { NodeGroupSpec } from '../../../spec/schema.js';
import type { AwsClients } from '../clients.js';

export interface Offerings {
  /** Zones of the region offering the type (a type offered nowhere maps to []). */
  zonesOf(type: string): string[];
  /** Zones, in the order given, that offer every instance type of every node group. */
  suiting(zones: readonly string[]): string[];
}

export async function offerings(aws: AwsClients, groups: readonly NodeGroupSpec[]): Promise<Offerings> {
  const types = [...new Set(groups.flatMap((g) => g.instanceTypes))];
  const byType = types.length > 0 ? await aws.ec2.instanceTypeZones(types) : new Map<string, string[]>();
  const zonesOf = (t: string) => byType.get(t) ?? [];
  return {
    zonesOf,
    suiting: (zones) => zones.filter((z) => types.every((t) => zonesOf(t).includes(z))),
  };
}

/** "nodeGroups[gpu].instanceTypes: p4d.24xlarge is offered in us-west-2a, us-west-2b" for each type missing from a zone. */
export function offeringProblems(
  groups: readonly NodeGroupSpec[],
  zones: readonly string[],
  offered: Offerings,
  where: string,
): string[] {
  const out: string[] = [];
  for (const g of groups) {
    for (const t of g.instanceTypes) {
      const have = offered.zonesOf(t);
      const missing = zones.filter((z) => !have.includes(z));
      if (missing.length === 0 || have.length === 0) continue;
      out.push(
        `nodeGroups[${g.name}].instanceTypes: ${t} is not offered in ${missing.join(', ')}, ${where}; it is offered in ${have.join(', ')}`,
      );
    }
  }
  return out;
}
