/**
 * Network teardown as a plan step; the deleting itself is in ./delete.ts (the base network
 * step uses it too, to remove a duplicate VPC).
 */
import type { Step } from '../../../primitives/plan.js';
import type { AwsClients } from '../clients.js';
import { deleteNetwork, inventorySize, type NetworkInventory, networkInventory } from './delete.js';
import { NETWORK } from './steps.js';

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
    id: NETWORK.id,
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
