/** The network as plan steps: `aws:network` (or the user's own subnets) and `aws:network:nat`. */
import { userError } from '../../../primitives/errors.js';
import { type Step, type StepContext, stepRef } from '../../../primitives/plan.js';
import type { ClusterSpec } from '../../../spec/schema.js';
import { Changes } from '../changes.js';
import type { AwsClients } from '../clients.js';
import { isNotFound } from '../errors.js';
import { convergeBaseNetwork } from './base.js';
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

export function natStep(spec: ClusterSpec, aws: AwsClients): Step<NatOutput> {
  const skip = spec.network.subnetIds !== undefined;
  return {
    id: NAT.id,
    title: 'NAT gateways and private routes',
    dependsOn: [NETWORK.id],
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
      const created = changes.actions.some((a) => a.startsWith('create'));
      return {
        result: created ? 'created' : 'updated',
        summary: changes.summary(''),
        ...(output ? { output } : {}),
      };
    },
  };
}

/** Bring your own subnets: they must exist, share one VPC and span at least two zones. */
function givenSubnetsStep(aws: AwsClients, ids: readonly string[]): Step<NetworkOutput> {
  return {
    id: NETWORK.id,
    title: 'check the given subnets',
    async observe(_ctx: StepContext) {
      let subnets: Awaited<ReturnType<AwsClients['ec2']['describeSubnets']>>;
      try {
        subnets = await aws.ec2.describeSubnets({ ids: [...ids] });
      } catch (e) {
        if (isNotFound(e)) {
          throw userError('GITOPS_BAD_CONFIG', `network.subnetIds: ${(e as Error).message}`, {
            hint: 'list subnets that exist in this region and account',
          });
        }
        throw e;
      }
      const missing = ids.filter((id) => !subnets.some((s) => s.id === id));
      if (missing.length > 0) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `network.subnetIds: ${missing.join(', ')} not found in ${aws.region}`,
        );
      }
      const vpcs = [...new Set(subnets.map((s) => s.vpcId))];
      if (vpcs.length > 1) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `network.subnetIds: the subnets are in ${vpcs.length} VPCs (${vpcs.join(', ')}); EKS needs one`,
        );
      }
      const zones = new Set(subnets.map((s) => s.availabilityZone));
      if (zones.size < 2) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `network.subnetIds: all subnets are in ${[...zones].join(', ')}; EKS needs subnets in at least two availability zones`,
        );
      }
      const output: NetworkOutput = {
        ...(vpcs[0] ? { vpcId: vpcs[0] } : {}),
        clusterSubnetIds: [...ids],
        nodeSubnetIds: [...ids],
        publicSubnetIds: [],
        privateSubnetIds: [],
      };
      return { inSync: true, summary: `using ${ids.length} given subnets in ${zones.size} zones`, output };
    },
    async apply() {
      return { result: 'unchanged' };
    },
  };
}
