/**
 * Network teardown, in the only order AWS accepts: NAT gateways (and wait until they are gone),
 * their Elastic IPs, subnets, route tables, the internet gateway, the VPC. Everything is found
 * by our tags across the region, so pieces orphaned by a crash are removed too. Deletes that
 * hit DependencyViolation (ENIs still draining) are retried with backoff until the deadline.
 */
import type { Step, StepContext } from '../../core/plan.js';
import type { AwsClients } from '../clients.js';
import { hasAwsCode, ignoreNotFound } from '../errors.js';
import type { ElasticIp, InternetGateway, NatGateway, RouteTable, Subnet, Vpc } from '../ports.js';
import { ownershipTags } from '../tags.js';
import { retrying, waitFor } from '../waiter.js';
import { NETWORK_STEP } from './steps.js';

export interface NetworkInventory {
  natGateways: NatGateway[];
  addresses: ElasticIp[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[];
  vpcs: Vpc[];
}

export async function networkInventory(aws: AwsClients, cluster: string): Promise<NetworkInventory> {
  const tags = ownershipTags(cluster);
  const [nats, addresses, subnets, routeTables, internetGateways, vpcs] = await Promise.all([
    aws.ec2.describeNatGateways({ tags }),
    aws.ec2.describeAddresses({ tags }),
    aws.ec2.describeSubnets({ tags }),
    aws.ec2.describeRouteTables({ tags }),
    aws.ec2.describeInternetGateways({ tags }),
    aws.ec2.describeVpcs({ tags }),
  ]);
  return {
    // Deleted NAT gateways stay visible for about an hour; they are gone for our purposes.
    natGateways: nats.filter((n) => n.state !== 'deleted'),
    addresses,
    subnets,
    routeTables,
    internetGateways,
    vpcs,
  };
}

export function inventorySize(inv: NetworkInventory): number {
  return Object.values(inv).reduce((n, list: unknown[]) => n + list.length, 0);
}

function describe(inv: NetworkInventory): string {
  const parts: [number, string][] = [
    [inv.natGateways.length, 'NAT gateway'],
    [inv.addresses.length, 'Elastic IP'],
    [inv.subnets.length, 'subnet'],
    [inv.routeTables.length, 'route table'],
    [inv.internetGateways.length, 'internet gateway'],
    [inv.vpcs.length, 'VPC'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`)
    .join(', ');
}

export function networkTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  return {
    id: NETWORK_STEP,
    title: 'delete the network',
    dependsOn,
    async observe() {
      const inv = await networkInventory(aws, cluster);
      if (inventorySize(inv) === 0) return { inSync: true, summary: 'no network resources of ours' };
      return { inSync: false, summary: `delete ${describe(inv)}` };
    },
    async apply(ctx) {
      const inv = await networkInventory(aws, cluster);
      const summary = `deleted ${describe(inv)}`;
      await deleteNetwork(ctx, aws, inv);
      return { result: 'deleted', summary };
    },
  };
}

async function deleteNetwork(ctx: StepContext, aws: AwsClients, inv: NetworkInventory): Promise<void> {
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
