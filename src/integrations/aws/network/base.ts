/**
 * The part of the network the cluster needs: VPC, public and private subnets, internet
 * gateway, public route table. NAT gateways and private routes come in a separate step
 * (./nat.ts) because only node groups need them, so the cluster need not wait ~2 min for NAT.
 */
import { userError } from '../../../primitives/errors.js';
import type { ClusterSpec } from '../../../spec/schema.js';
import type { Changes } from '../changes.js';
import type { AwsClients } from '../clients.js';
import { ignoreNotFound } from '../errors.js';
import { idempotencyToken } from '../idempotency.js';
import type { RouteTable, Subnet, Vpc } from '../ports.js';
import { ownershipTags } from '../tags.js';
import type { WaitContext } from '../waiter.js';
import { offerings } from '../compute/offerings.js';
import { deleteNetwork, networkInventory } from './delete.js';
import {
  chooseZones,
  refusedZones,
  type NetworkOutput,
  networkTags,
  subnetPlan,
  subnetTags,
  TIER_TAG,
  type Tier,
} from './layout.js';

export const ANYWHERE = '0.0.0.0/0';

/**
 * The VPC tagged for this cluster, and any duplicates. EC2's CreateVpc has no idempotency token,
 * so a create that timed out and was retried, or two runs racing, can leave a second VPC. The
 * one the cluster uses wins; without a cluster, the one with the most subnets (then the lowest
 * id), so every run picks the same. The base network step removes the others.
 */
export async function findVpcs(aws: AwsClients, cluster: string): Promise<{ vpc?: Vpc; extras: Vpc[] }> {
  const vpcs = (await aws.ec2.describeVpcs({ tags: ownershipTags(cluster) })).filter(
    (v) => v.state !== 'deleted',
  );
  if (vpcs.length <= 1) return vpcs[0] ? { vpc: vpcs[0], extras: [] } : { extras: [] };
  const subnets = await aws.ec2.describeSubnets({ tags: ownershipTags(cluster) });
  const inUse = new Set((await aws.eks.describeCluster(cluster))?.subnetIds ?? []);
  const score = (v: Vpc) => {
    const own = subnets.filter((s) => s.vpcId === v.id);
    return [own.some((s) => inUse.has(s.id)) ? 1 : 0, own.length];
  };
  const [vpc] = [...vpcs].sort((a, b) => {
    const [ua, na] = score(a);
    const [ub, nb] = score(b);
    return ub! - ua! || nb! - na! || a.id.localeCompare(b.id);
  });
  return { vpc: vpc!, extras: vpcs.filter((v) => v !== vpc) };
}

export async function findVpc(aws: AwsClients, cluster: string): Promise<Vpc | undefined> {
  return (await findVpcs(aws, cluster)).vpc;
}

export async function findSubnets(aws: AwsClients, cluster: string, vpcId: string): Promise<Subnet[]> {
  return aws.ec2.describeSubnets({ vpcId, tags: ownershipTags(cluster) });
}

export function subnetsOf(subnets: readonly Subnet[], tier: Tier): Subnet[] {
  return subnets
    .filter((s) => s.tags[TIER_TAG] === tier)
    .sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone));
}

/** Observes (mutate=false) or converges (mutate=true) the base network; output once complete. */
export async function convergeBaseNetwork(
  aws: AwsClients,
  spec: ClusterSpec,
  changes: Changes,
  ctx: WaitContext,
): Promise<NetworkOutput | undefined> {
  const cidr = spec.network.vpcCidr;
  const found = await findVpcs(aws, spec.name);
  let vpc = found.vpc;
  for (const extra of found.extras) {
    await changes.make(`delete duplicate VPC ${extra.id}`, async () =>
      deleteNetwork(ctx, aws, await networkInventory(aws, spec.name, extra.id)),
    );
  }
  if (vpc && vpc.cidr !== cidr) {
    throw userError(
      'GITOPS_CONFLICT',
      `network.vpcCidr: VPC ${vpc.id} has ${vpc.cidr}, the spec asks for ${cidr}; a VPC's CIDR cannot be changed in place`,
    );
  }
  const created = !vpc;
  if (!vpc)
    vpc = await changes.make(`create VPC ${cidr}`, () => aws.ec2.createVpc(cidr, networkTags(spec, 'vpc')));
  // EKS needs DNS support and hostnames. Apply only runs when something was missing, so setting
  // them on every apply (they cannot be observed cheaply) also repairs a crash right after CreateVpc.
  if (vpc && changes.mutate) await aws.ec2.enableVpcDns(vpc.id);

  // Subnets: one public and one private per zone, found by tier tag and zone. Zones EKS refused
  // for the control plane (recorded on the VPC) are left, their subnets deleted; the others come
  // from the zones offering every node group's instance types.
  const refused = refusedZones(vpc);
  const ours = vpc && !created ? await findSubnets(aws, spec.name, vpc.id) : [];
  for (const s of ours.filter((x) => refused.includes(x.availabilityZone))) {
    await changes.make(
      `delete subnet ${s.id} in ${s.availabilityZone}, where EKS cannot place the cluster`,
      () => ignoreNotFound(aws.ec2.deleteSubnet(s.id)),
    );
  }
  const existing = ours.filter((x) => !refused.includes(x.availabilityZone));
  const usable = (await aws.ec2.availabilityZones()).filter((z) => !refused.includes(z));
  const zones = chooseZones(
    (await offerings(aws, spec.nodeGroups)).suiting(usable),
    existing.map((s) => s.availabilityZone),
    spec.network.availabilityZones,
    usable.length,
  );
  const subnets: Subnet[] = [];
  const laidOut = existing.map((s) => ({
    tier: s.tags[TIER_TAG] ?? '',
    availabilityZone: s.availabilityZone,
    cidr: s.cidr,
  }));
  for (const plan of subnetPlan(cidr, zones, laidOut)) {
    let subnet = existing.find(
      (s) => s.tags[TIER_TAG] === plan.tier && s.availabilityZone === plan.availabilityZone,
    );
    if (!subnet) {
      const vpcId = vpc?.id;
      subnet = await changes.make(`create ${plan.tier} subnet ${plan.cidr} in ${plan.availabilityZone}`, () =>
        aws.ec2.createSubnet(vpcId!, plan.cidr, plan.availabilityZone, subnetTags(spec, plan)),
      );
    }
    if (!subnet) continue;
    if (plan.tier === 'public' && !subnet.mapPublicIpOnLaunch) {
      const id = subnet.id;
      // Nodes in public subnets (natGateways: none) need a public address to reach AWS.
      await changes.make(`map public IPs on launch in ${id}`, () => aws.ec2.mapPublicIpOnLaunch(id));
    }
    subnets.push(subnet);
  }

  // Internet gateway, attached to our VPC.
  const igws = await aws.ec2.describeInternetGateways({ tags: ownershipTags(spec.name) });
  let igw = igws.find((g) => vpc !== undefined && g.attachedVpcIds.includes(vpc.id));
  // Like CreateVpc, CreateInternetGateway has no idempotency token: remove detached duplicates.
  for (const extra of igws.filter((g) => g !== igw && g.attachedVpcIds.length === 0).slice(igw ? 0 : 1)) {
    await changes.make(`delete duplicate internet gateway ${extra.id}`, () =>
      ignoreNotFound(aws.ec2.deleteInternetGateway(extra.id)),
    );
  }
  if (!igw) {
    igw = igws.find((g) => g.attachedVpcIds.length === 0);
    igw ??= await changes.make('create internet gateway', () =>
      aws.ec2.createInternetGateway(networkTags(spec, 'igw')),
    );
    const ids = { igw: igw?.id, vpc: vpc?.id };
    await changes.make('attach internet gateway', () => aws.ec2.attachInternetGateway(ids.igw!, ids.vpc!));
  }

  // Public route table: default route to the internet gateway, every public subnet associated.
  const tables =
    vpc && !created
      ? await aws.ec2.describeRouteTables({ vpcId: vpc.id, tags: ownershipTags(spec.name) })
      : [];
  let table = tables.find((t) => t.tags[TIER_TAG] === 'public');
  if (!table) {
    const vpcId = vpc?.id;
    table = await changes.make('create public route table', () =>
      aws.ec2.createRouteTable(
        vpcId!,
        networkTags(spec, 'public', { [TIER_TAG]: 'public' }),
        idempotencyToken('route-table', vpcId, 'public'),
      ),
    );
  }
  const publicSubnets = subnetsOf(subnets, 'public');
  await ensureRoute(changes, aws, table, igw ? { gatewayId: igw.id } : undefined, 'internet gateway');
  await ensureAssociations(changes, aws, table, publicSubnets);

  const privateSubnets = subnetsOf(subnets, 'private');
  if (!vpc || publicSubnets.length !== zones.length || privateSubnets.length !== zones.length)
    return undefined;
  const publicIds = publicSubnets.map((s) => s.id);
  const privateIds = privateSubnets.map((s) => s.id);
  return {
    vpcId: vpc.id,
    clusterSubnetIds: [...privateIds, ...publicIds],
    nodeSubnetIds: spec.network.natGateways === 'none' ? publicIds : privateIds,
    publicSubnetIds: publicIds,
    privateSubnetIds: privateIds,
  };
}

/** Makes `0.0.0.0/0` in `table` point at `target`, creating or replacing the route. */
export async function ensureRoute(
  changes: Changes,
  aws: AwsClients,
  table: RouteTable | undefined,
  target: { gatewayId: string } | { natGatewayId: string } | undefined,
  label: string,
): Promise<void> {
  const route = table?.routes.find((r) => r.destination === ANYWHERE);
  const wanted = target && ('gatewayId' in target ? target.gatewayId : target.natGatewayId);
  const current = route?.gatewayId ?? route?.natGatewayId;
  if (route && current === wanted && route.state !== 'blackhole') return;
  const id = table?.id;
  if (route) {
    await changes.make(`route ${ANYWHERE} to the ${label}`, () =>
      aws.ec2.replaceRoute(id!, ANYWHERE, target!),
    );
  } else {
    await changes.make(`route ${ANYWHERE} to the ${label}`, () =>
      aws.ec2.createRoute(id!, ANYWHERE, target!),
    );
  }
}

export async function ensureAssociations(
  changes: Changes,
  aws: AwsClients,
  table: RouteTable | undefined,
  subnets: readonly Subnet[],
): Promise<void> {
  for (const subnet of subnets) {
    if (table?.associations.some((a) => a.subnetId === subnet.id)) continue;
    const id = table?.id;
    await changes.make(`associate ${subnet.id} with its route table`, () =>
      aws.ec2.associateRouteTable(id!, subnet.id),
    );
  }
}
