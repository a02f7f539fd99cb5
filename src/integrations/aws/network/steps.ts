/** The network as plan steps: `aws:network` (or the user's own subnets) and `aws:network:nat`. */
import { userError } from '../../../primitives/errors.js';
import { type Step, stepRef } from '../../../primitives/plan.js';
import type { ClusterSpec } from '../../../spec/schema.js';
import { Changes } from '../changes.js';
import type { AwsClients } from '../clients.js';
import { convergeBaseNetwork } from './base.js';
import { inspectGivenSubnets } from './given.js';
import type { NetworkOutput } from './layout.js';
import { convergeNat, type NatOutput } from './nat.js';

export const NETWORK = stepRef<NetworkOutput>('aws:network');
export const NAT = stepRef<NatOutput>('aws:network:nat');

export function networkStep(spec: ClusterSpec, aws: AwsClients): Step<NetworkOutput> {
  const given = spec.network.subnetIds;
  if (given !== undefined) return givenSubnetsStep(aws, given);
  return {
    id: NETWORK.id,
    title: 'VPC, subnets and internet gateway',
    async observe(ctx) {
      const changes = new Changes(false, ctx.signal);
      const output = await convergeBaseNetwork(aws, spec, changes, ctx);
      return {
        inSync: changes.none,
        summary: changes.summary(
          `VPC ${output?.vpcId ?? ''} with ${output?.clusterSubnetIds.length ?? 0} subnets`,
        ),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const changes = new Changes(true, ctx.signal);
      const output = await convergeBaseNetwork(aws, spec, changes, ctx);
      const created = changes.actions.some((a) => a.startsWith('create VPC'));
      return {
        result: created ? 'created' : 'updated',
        summary: changes.summary(''),
        ...(output ? { output } : {}),
      };
    },
  };
}

/** `after`: steps that may still move the network (the cluster create, when EKS refuses a zone). */
export function natStep(spec: ClusterSpec, aws: AwsClients, after: readonly string[] = []): Step<NatOutput> {
  const skip = spec.network.subnetIds !== undefined;
  return {
    id: NAT.id,
    title: 'NAT gateways and private routes',
    dependsOn: [NETWORK.id, ...after],
    async observe(ctx) {
      if (skip)
        return {
          inSync: true,
          summary: 'bring-your-own subnets: routing is yours',
          output: { natGatewayIds: [] },
        };
      const changes = new Changes(false, ctx.signal);
      const output = await convergeNat(aws, spec, changes, ctx);
      return {
        inSync: changes.none,
        summary: changes.summary(`${output?.natGatewayIds.length ?? 0} NAT gateway(s) available`),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const changes = new Changes(true, ctx.signal);
      const output = await convergeNat(aws, spec, changes, ctx);
      return changes.applied(output);
    },
  };
}

/** Bring your own subnets: checked as ./given.ts says, every problem on a line of its own. */
function givenSubnetsStep(aws: AwsClients, ids: readonly string[]): Step<NetworkOutput> {
  return {
    id: NETWORK.id,
    title: 'check the given subnets',
    async observe() {
      const given = await inspectGivenSubnets(aws, ids);
      if (given.problems.length > 0 || !given.output) {
        throw userError('GITOPS_BAD_CONFIG', given.problems[0] ?? 'network.subnetIds: unusable', {
          details: given.problems.slice(1),
        });
      }
      const summary = `using ${ids.length} given subnets in ${given.zones.length} zones (nodes in ${given.nodeZones.join(', ')})`;
      return { inSync: true, summary, output: given.output };
    },
    async apply() {
      return { result: 'unchanged' };
    },
  };
}
