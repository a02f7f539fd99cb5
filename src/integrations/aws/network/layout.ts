/**
 * The shape of the network gitops builds: which AZs, which CIDR each subnet gets, how the
 * pieces are tagged. Pure functions, so plans and tests can reason about it without AWS.
 */
import { userError } from '../../../primitives/errors.js';
import type { ClusterSpec } from '../../../spec/schema.js';
import type { Tags } from '../ports.js';
import { resourceTags } from '../tags.js';

export type Tier = 'public' | 'private';

export const TIER_TAG = 'gitops.dev/tier';
export const AZ_TAG = 'gitops.dev/az';
/** On the VPC: zones where EKS refused to place the control plane (space-separated). */
export const REFUSED_ZONES_TAG = 'gitops.dev/eks-refused-zones';

export function refusedZones(vpc: { tags: Tags } | undefined): string[] {
  return (vpc?.tags[REFUSED_ZONES_TAG] ?? '').split(' ').filter((z) => z !== '');
}

export interface SubnetPlan {
  tier: Tier;
  availabilityZone: string;
  cidr: string;
}

/** What the network steps hand to the cluster and node group steps. */
export interface NetworkOutput {
  /** Absent when the user brings their own subnets. */
  vpcId?: string;
  /** Subnets the cluster's control plane ENIs may use (all of them, as AWS recommends). */
  clusterSubnetIds: string[];
  /** Where nodes go: private subnets behind NAT, or public ones when there is no NAT. */
  nodeSubnetIds: string[];
  publicSubnetIds: string[];
  privateSubnetIds: string[];
}

/**
 * Picks `count` zones, keeping the zones our subnets already use so that a re-run never moves
 * the network; fails if fewer zones exist than the spec asks for. `available` are the zones that
 * suit (offer every node group's instance types), `usable` how many the region has at all.
 */
export function chooseZones(
  available: readonly string[],
  inUse: readonly string[],
  count: number,
  usable = available.length,
): string[] {
  const zones = [...new Set(inUse)].sort();
  if (zones.length > count) {
    throw userError(
      'GITOPS_CONFLICT',
      `network.availabilityZones: the VPC already has subnets in ${zones.length} zones (${zones.join(', ')}), the spec asks for ${count}; this cannot be changed in place`,
    );
  }
  for (const z of available) {
    if (zones.length >= count) break;
    if (!zones.includes(z)) zones.push(z);
  }
  if (zones.length < count) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      usable > available.length
        ? `network.availabilityZones: ${count} zones asked, but only ${available.length} of the region's ${usable} (${available.join(', ') || 'none'}) offer every node group's instance types`
        : `network.availabilityZones: the region has ${usable} usable zones, the spec asks for ${count}`,
    );
  }
  return zones.sort();
}

/**
 * Splits the VPC CIDR into eight equal blocks: private subnets take blocks 0..3 and public ones
 * 4..7, so a later third zone fits without renumbering anything. Subnets that exist keep their
 * block; a new one takes the lowest free block of its tier (after a zone EKS refused is left, the
 * next zone's position may hold another zone's subnet).
 */
export function subnetPlan(
  vpcCidr: string,
  zones: readonly string[],
  existing: readonly { tier: string; availabilityZone: string; cidr: string }[] = [],
): SubnetPlan[] {
  const [base, prefixText] = vpcCidr.split('/');
  const prefix = Number(prefixText);
  const size = prefix + 3;
  if (size > 28) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `network.vpcCidr: ${vpcCidr} is too small; gitops splits it in eight subnets and needs at least a /25`,
    );
  }
  const start = (ipToInt(base ?? '') & mask(prefix)) >>> 0;
  const block = 2 ** (32 - size);
  const cidrAt = (i: number) => `${intToIp(start + i * block)}/${size}`;
  const taken = new Set(existing.map((s) => s.cidr));
  const place = (tier: Tier, az: string, first: number): SubnetPlan => {
    const have = existing.find((s) => s.tier === tier && s.availabilityZone === az);
    if (have) return { tier, availabilityZone: az, cidr: have.cidr };
    const i = [0, 1, 2, 3].map((n) => first + n).find((n) => !taken.has(cidrAt(n))) ?? first;
    taken.add(cidrAt(i));
    return { tier, availabilityZone: az, cidr: cidrAt(i) };
  };
  return zones.flatMap((az) => [place('private', az, 0), place('public', az, 4)]);
}

export function networkTags(spec: Pick<ClusterSpec, 'name' | 'tags'>, name: string, extra: Tags = {}): Tags {
  return resourceTags(spec.name, spec.tags, { Name: `${spec.name}-${name}`, ...extra });
}

/** Tags for a subnet: tier and zone for us, the role tags for the AWS load balancer controller. */
export function subnetTags(spec: Pick<ClusterSpec, 'name' | 'tags'>, s: SubnetPlan): Tags {
  return networkTags(spec, `${s.tier}-${s.availabilityZone}`, {
    [TIER_TAG]: s.tier,
    [AZ_TAG]: s.availabilityZone,
    [s.tier === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb']: '1',
    [`kubernetes.io/cluster/${spec.name}`]: 'shared',
  });
}

/** The zones that get a NAT gateway. */
export function natZones(mode: ClusterSpec['network']['natGateways'], zones: readonly string[]): string[] {
  if (mode === 'none') return [];
  if (mode === 'single') return zones.slice(0, 1);
  return [...zones];
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw userError('GITOPS_BAD_CONFIG', `network.vpcCidr: ${ip} is not an IPv4 address`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
