/**
 * NAT gateways (none, one, or one per zone), their Elastic IPs, and the private route tables
 * that send private subnets' traffic through them. Node groups depend on this step; the
 * cluster does not.
 */
import { userError } from '../../../primitives/errors.js';
import type { ClusterSpec } from '../../../spec/schema.js';
import type { Changes } from '../changes.js';
import type { AwsClients } from '../clients.js';
import { ignoreNotFound } from '../errors.js';
import { idempotencyToken } from '../idempotency.js';
import type { NatGateway, Subnet } from '../ports.js';
import { ownershipTags } from '../tags.js';
import { type WaitContext, waitFor } from '../waiter.js';
import { ensureAssociations, ensureRoute, findSubnets, findVpc, subnetsOf } from './base.js';
import { AZ_TAG, natZones, networkTags, TIER_TAG } from './layout.js';

const LIVE = new Set(['pending', 'available']);

export interface NatOutput {
  natGatewayIds: string[];
}

export async function convergeNat(
  aws: AwsClients,
  spec: ClusterSpec,
  changes: Changes,
  ctx: WaitContext,
): Promise<NatOutput | undefined> {
  const vpc = await findVpc(aws, spec.name);
  if (!vpc) {
    const mode = spec.network.natGateways;
    const count = mode === 'none' ? 0 : mode === 'single' ? 1 : spec.network.availabilityZones;
    changes.actions.push(`create ${count} NAT gateway(s) and the private route tables`);
    return undefined;
  }
  const owner = ownershipTags(spec.name);
  const subnets = await findSubnets(aws, spec.name, vpc.id);
  const publicSubnets = subnetsOf(subnets, 'public');
  const zones = publicSubnets.map((s) => s.availabilityZone);
  const wantedZones = natZones(spec.network.natGateways, zones);
  const all = await aws.ec2.describeNatGateways({ vpcId: vpc.id, tags: owner });
  const live = all.filter((n) => LIVE.has(n.state));

  const extra = live.filter((n) => !wantedZones.includes(zoneOf(n, publicSubnets) ?? ''));
  if (extra.length > 0) {
    throw userError(
      'GITOPS_CONFLICT',
      `network.natGateways: the VPC has ${live.length} NAT gateway(s), "${spec.network.natGateways}" needs ${wantedZones.length}; gitops does not remove NAT gateways in place`,
      { hint: 'set natGateways back to its previous value, or destroy and re-create the cluster' },
    );
  }

  const natByZone = new Map<string, NatGateway>();
  for (const nat of live) natByZone.set(zoneOf(nat, publicSubnets) ?? '', nat);
  for (const zone of wantedZones) {
    if (natByZone.has(zone)) continue;
    const subnet = publicSubnets.find((s) => s.availabilityZone === zone)!;
    const nat = await changes.make(`create NAT gateway in ${zone}`, async () => {
      const allocationId = await freeAddress(aws, spec, zone, live);
      // A failed NAT gateway keeps its token; counting failures gives the retry a fresh one.
      const failures = all.filter((n) => n.subnetId === subnet.id && n.state === 'failed').length;
      return aws.ec2.createNatGateway(
        subnet.id,
        allocationId,
        networkTags(spec, `nat-${zone}`, { [AZ_TAG]: zone }),
        idempotencyToken('nat-gateway', vpc.id, zone, failures),
      );
    });
    if (nat) natByZone.set(zone, nat);
  }

  const pending = [...natByZone.values()].filter((n) => n.state !== 'available');
  if (pending.length > 0) {
    await changes.make(`wait for ${pending.length} NAT gateway(s) to become available`, () =>
      waitForNats(
        aws,
        ctx,
        pending.map((n) => n.id),
      ),
    );
  }

  // Elastic IPs of ours that no NAT gateway holds (left by a failed gateway, a retried
  // AllocateAddress or a racing run) cost money and serve nothing: release them.
  const held = new Set(
    (await aws.ec2.describeNatGateways({ tags: owner }))
      .filter((n) => LIVE.has(n.state))
      .flatMap((n) => n.allocationIds),
  );
  for (const eip of await aws.ec2.describeAddresses({ tags: owner })) {
    if (held.has(eip.allocationId) || eip.associationId !== undefined) continue;
    await changes.make(`release unused Elastic IP ${eip.allocationId}`, () =>
      ignoreNotFound(aws.ec2.releaseAddress(eip.allocationId)),
    );
  }

  // Private route tables, one per zone, default route to that zone's NAT (or the single one).
  const tables = await aws.ec2.describeRouteTables({ vpcId: vpc.id, tags: owner });
  for (const subnet of subnetsOf(subnets, 'private')) {
    const zone = subnet.availabilityZone;
    let table = tables.find((t) => t.tags[TIER_TAG] === 'private' && t.tags[AZ_TAG] === zone);
    table ??= await changes.make(`create private route table in ${zone}`, () =>
      aws.ec2.createRouteTable(
        vpc.id,
        networkTags(spec, `private-${zone}`, { [TIER_TAG]: 'private', [AZ_TAG]: zone }),
        idempotencyToken('route-table', vpc.id, 'private', zone),
      ),
    );
    const nat = natByZone.get(spec.network.natGateways === 'perAz' ? zone : (wantedZones[0] ?? ''));
    if (nat) await ensureRoute(changes, aws, table, { natGatewayId: nat.id }, 'NAT gateway');
    await ensureAssociations(changes, aws, table, [subnet]);
  }
  return { natGatewayIds: wantedZones.flatMap((z) => (natByZone.has(z) ? [natByZone.get(z)!.id] : [])) };
}

function zoneOf(nat: NatGateway, publicSubnets: readonly Subnet[]): string | undefined {
  return publicSubnets.find((s) => s.id === nat.subnetId)?.availabilityZone ?? nat.tags[AZ_TAG];
}

/** An Elastic IP of ours for this zone that no live NAT gateway uses, or a new one. */
async function freeAddress(aws: AwsClients, spec: ClusterSpec, zone: string, live: readonly NatGateway[]) {
  const used = new Set(live.flatMap((n) => n.allocationIds));
  const ours = await aws.ec2.describeAddresses({ tags: { ...ownershipTags(spec.name), [AZ_TAG]: zone } });
  const free = ours.find((a) => !used.has(a.allocationId) && a.associationId === undefined);
  if (free) return free.allocationId;
  const eip = await aws.ec2.allocateAddress(networkTags(spec, `nat-${zone}`, { [AZ_TAG]: zone }));
  return eip.allocationId;
}

async function waitForNats(aws: AwsClients, ctx: WaitContext, ids: string[]): Promise<void> {
  await waitFor(
    ctx,
    {
      what: `NAT gateway${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`,
      poll: () => aws.ec2.describeNatGateways({ ids }),
      state: (nats) => summarize(nats ?? []),
      done: (nats) => (nats ?? []).length === ids.length && nats!.every((n) => n.state === 'available'),
      failure: (nats) => {
        const bad = (nats ?? []).filter((n) => !LIVE.has(n.state));
        if (bad.length === 0) return undefined;
        return bad.map((n) => `${n.id} ${n.state}${n.failure ? `: ${n.failure}` : ''}`).join('; ');
      },
    },
    { scale: aws.timeScale },
  );
}

function summarize(nats: readonly NatGateway[]): string {
  const states = [...new Set(nats.map((n) => n.state))];
  return states.length === 0 ? 'not found' : states.join('/');
}
