/**
 * Bring-your-own subnets (`network.subnetIds`), checked before any change and each problem said
 * on its own line: the subnets exist in one VPC across at least two zones (CreateCluster: "Subnets
 * specified must be in at least two different AZs"); the subnets that receive nodes can reach AWS
 * (a private subnet through a NAT gateway, a public one with public IPs on launch: EKS's "Amazon
 * EKS networking requirements"); and each carries the role tag the AWS Load Balancer Controller
 * finds subnets by (kubernetes.io/role/elb for public, kubernetes.io/role/internal-elb for private:
 * EKS User Guide, "Subnet requirements for nodes" / load balancing).
 *
 * A subnet's routes are its route table's: the one associated with it, else the VPC's main table.
 * Nodes go to the private subnets when there are any (behind NAT), else to the public ones.
 */
import type { AwsClients } from '../clients.js';
import { isNotFound } from '../errors.js';
import type { RouteTable, Subnet } from '../ports.js';
import type { NetworkOutput } from './layout.js';

export type SubnetKind = 'public' | 'private' | 'isolated';

export interface GivenSubnets {
  output?: NetworkOutput;
  zones: string[];
  /** The zones of the subnets that receive nodes. */
  nodeZones: string[];
  problems: string[];
}

const ELB = 'kubernetes.io/role/elb';
const INTERNAL_ELB = 'kubernetes.io/role/internal-elb';

export async function inspectGivenSubnets(aws: AwsClients, ids: readonly string[]): Promise<GivenSubnets> {
  const field = 'network.subnetIds';
  let subnets: Subnet[];
  try {
    subnets = await aws.ec2.describeSubnets({ ids: [...ids] });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return { zones: [], nodeZones: [], problems: [`${field}: ${(e as Error).message}`] };
  }
  const problems: string[] = [];
  const missing = ids.filter((id) => !subnets.some((s) => s.id === id));
  if (missing.length > 0) problems.push(`${field}: ${missing.join(', ')} not found in ${aws.region}`);
  const vpcs = [...new Set(subnets.map((s) => s.vpcId))];
  if (vpcs.length > 1)
    problems.push(`${field}: the subnets are in ${vpcs.length} VPCs (${vpcs.join(', ')}); EKS needs one`);
  const zones = [...new Set(subnets.map((s) => s.availabilityZone))].sort();
  if (zones.length < 2 && subnets.length > 0)
    problems.push(
      `${field}: all subnets are in ${zones.join(', ')}; EKS needs subnets in at least two availability zones`,
    );
  if (vpcs.length !== 1) return { zones, nodeZones: [], problems };

  const tables = await aws.ec2.describeRouteTables({ vpcId: vpcs[0]! });
  const kinds = new Map(subnets.map((s) => [s.id, kindOf(s, tables)]));
  const named = (s: Subnet) => `${s.id} (${s.availabilityZone})`;
  const publics = subnets.filter((s) => kinds.get(s.id) === 'public');
  const privates = subnets.filter((s) => kinds.get(s.id) === 'private');
  const nodes = privates.length > 0 ? privates : publics;
  if (nodes.length === 0)
    problems.push(
      `${field}: no subnet can take nodes: a private subnet needs a default route to a NAT gateway, a public one a route to an internet gateway`,
    );
  if (privates.length === 0) {
    for (const s of publics.filter((x) => !x.mapPublicIpOnLaunch))
      problems.push(
        `${field}: ${named(s)} is public and receives nodes, but does not give instances public IPs (MapPublicIpOnLaunch): they could not reach EKS`,
      );
  }
  for (const s of subnets) {
    const kind = kinds.get(s.id);
    if (kind === 'public' && !(ELB in s.tags))
      problems.push(
        `${field}: ${named(s)} is public and lacks the tag ${ELB}=1 that load balancers find public subnets by`,
      );
    if (kind === 'private' && !(INTERNAL_ELB in s.tags))
      problems.push(
        `${field}: ${named(s)} is private and lacks the tag ${INTERNAL_ELB}=1 that internal load balancers find subnets by`,
      );
  }
  const output: NetworkOutput = {
    vpcId: vpcs[0]!,
    clusterSubnetIds: [...ids],
    nodeSubnetIds: nodes.map((s) => s.id),
    publicSubnetIds: publics.map((s) => s.id),
    privateSubnetIds: privates.map((s) => s.id),
  };
  const nodeZones = [...new Set(nodes.map((s) => s.availabilityZone))].sort();
  return { output, zones, nodeZones, problems };
}

/** Public: default route to an internet gateway; private: to a NAT gateway; else isolated. */
export function kindOf(subnet: Subnet, tables: readonly RouteTable[]): SubnetKind {
  const table =
    tables.find((t) => t.associations.some((a) => a.subnetId === subnet.id)) ??
    tables.find((t) => t.vpcId === subnet.vpcId && t.main);
  const route = table?.routes.find((r) => r.destination === '0.0.0.0/0' && r.state !== 'blackhole');
  if (route?.gatewayId?.startsWith('igw-')) return 'public';
  if (route?.natGatewayId) return 'private';
  return 'isolated';
}
