/**
 * Deleting network resources, in the only order AWS accepts: NAT gateways (and wait until they
 * are gone), their Elastic IPs, subnets, route tables, the internet gateway, the VPC. Resources
 * are found by our tags across the region, so pieces orphaned by a crash are removed too.
 * Deletes that hit DependencyViolation (ENIs still draining) are retried with backoff until the
 * deadline.
 */
import type { AwsClients } from '../clients.js';
import { hasAwsCode, ignoreNotFound } from '../errors.js';
import type { ElasticIp, InternetGateway, NatGateway, RouteTable, Subnet, Vpc } from '../ports.js';
import { ownershipTags } from '../tags.js';
import { retrying, type WaitContext, waitFor } from '../waiter.js';

export interface NetworkInventory {
  natGateways: NatGateway[];
  addresses: ElasticIp[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[];
  vpcs: Vpc[];
}

/** Everything tagged for the cluster, or only what lies in one of its VPCs. */
export async function networkInventory(
  aws: AwsClients,
  cluster: string,
  vpcId?: string,
): Promise<NetworkInventory> {
  const tags = ownershipTags(cluster);
  const [nats, addresses, subnets, routeTables, internetGateways, vpcs] = await Promise.all([
    aws.ec2.describeNatGateways({ tags }),
    aws.ec2.describeAddresses({ tags }),
    aws.ec2.describeSubnets({ tags }),
    aws.ec2.describeRouteTables({ tags }),
    aws.ec2.describeInternetGateways({ tags }),
    aws.ec2.describeVpcs({ tags }),
  ]);
  // Deleted NAT gateways stay visible for about an hour; they are gone for our purposes.
  const live = nats.filter((n) => n.state !== 'deleted');
  if (vpcId === undefined)
    return { natGateways: live, addresses, subnets, routeTables, internetGateways, vpcs };
  const natGateways = live.filter((n) => n.vpcId === vpcId);
  const used = new Set(natGateways.flatMap((n) => n.allocationIds));
  return {
    natGateways,
    addresses: addresses.filter((a) => used.has(a.allocationId)),
    subnets: subnets.filter((x) => x.vpcId === vpcId),
    routeTables: routeTables.filter((t) => t.vpcId === vpcId),
    internetGateways: internetGateways.filter((g) => g.attachedVpcIds.includes(vpcId)),
    vpcs: vpcs.filter((v) => v.id === vpcId),
  };
}

export function inventorySize(inv: NetworkInventory): number {
  return Object.values(inv).reduce((n, list: unknown[]) => n + list.length, 0);
}

export async function deleteNetwork(ctx: WaitContext, aws: AwsClients, inv: NetworkInventory): Promise<void> {
  const scale = aws.timeScale;
  const patiently = (what: string, fn: () => Promise<void>, ...codes: string[]) =>
    retrying(ctx, { what, retryable: (e) => hasAwsCode(e, 'DependencyViolation', ...codes), scale }, () =>
      ignoreNotFound(fn()),
    );

  const nats = inv.natGateways;
  for (const n of nats) if (n.state !== 'deleting') await ignoreNotFound(aws.ec2.deleteNatGateway(n.id));
  if (nats.length > 0) {
    const ids = nats.map((n) => n.id);
    await waitFor(
      ctx,
      {
        what: `NAT gateway deletion (${ids.join(', ')})`,
        poll: () => aws.ec2.describeNatGateways({ ids }),
        state: (list) => [...new Set((list ?? []).map((n) => n.state))].join('/') || 'deleted',
        done: (list) => (list ?? []).every((n) => n.state === 'deleted'),
      },
      { scale },
    );
  }
  // An address stays associated for a moment after its NAT gateway is deleted.
  for (const a of inv.addresses) {
    await patiently(
      `release ${a.allocationId}`,
      () => aws.ec2.releaseAddress(a.allocationId),
      'InvalidIPAddress.InUse',
      'AuthFailure',
    );
  }
  for (const s of inv.subnets) await patiently(`delete subnet ${s.id}`, () => aws.ec2.deleteSubnet(s.id));
  for (const t of inv.routeTables) {
    for (const a of t.associations) {
      if (!a.main) await ignoreNotFound(aws.ec2.disassociateRouteTable(a.id));
    }
    // The main route table goes with its VPC and cannot be deleted on its own.
    if (!t.main) await patiently(`delete route table ${t.id}`, () => aws.ec2.deleteRouteTable(t.id));
  }
  for (const g of inv.internetGateways) {
    for (const vpcId of g.attachedVpcIds) {
      // Mapped public addresses (load balancers) block the detach until they are released.
      await patiently(`detach ${g.id}`, () => detach(aws, g.id, vpcId));
    }
    await patiently(`delete ${g.id}`, () => aws.ec2.deleteInternetGateway(g.id));
  }
  for (const v of inv.vpcs) await patiently(`delete VPC ${v.id}`, () => aws.ec2.deleteVpc(v.id));
}

async function detach(aws: AwsClients, igwId: string, vpcId: string): Promise<void> {
  try {
    await aws.ec2.detachInternetGateway(igwId, vpcId);
  } catch (e) {
    if (!hasAwsCode(e, 'Gateway.NotAttached')) throw e;
  }
}
