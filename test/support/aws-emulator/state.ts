// The whole emulated account as plain JSON (GET /_emulator/state), for assertions such as
// "exactly one VPC" or "destroy left nothing tagged for this cluster".

import type { EmulatorContext } from './context.js';
import { repoView } from './ecr.js';
import { associationView as podIdentityView } from './eks-pod-identity.js';
import { accessEntryView, addonView, associationView, clusterView, nodegroupView } from './eks-views.js';
import type { OidcProviderState, RoleState } from './iam-store.js';
import type { S3BucketState } from './s3-store.js';
import type { Tag } from './service.js';

/** Every resource carries its kind's key fields plus whatever the describe call returns. */
interface Open {
  [field: string]: unknown;
}

export interface EksNodegroupState extends Open {
  nodegroupName: string;
  status: string;
  tags: Record<string, string>;
}
export interface EksAddonState extends Open {
  addonName: string;
  status: string;
  addonVersion: string;
  tags: Record<string, string>;
}
export interface EksAccessEntryState extends Open {
  principalArn: string;
  tags: Record<string, string>;
  associatedAccessPolicies: Open[];
}
export interface EksClusterState extends Open {
  name: string;
  arn: string;
  status: string;
  tags: Record<string, string>;
  nodegroups: EksNodegroupState[];
  addons: EksAddonState[];
  accessEntries: EksAccessEntryState[];
  podIdentityAssociations: Open[];
  /** Auto Mode, as DescribeCluster shows it (absent for clusters that never had it). */
  computeConfig?: { enabled: boolean; nodePools?: string[]; nodeRoleArn?: string };
}
export interface EcrRepositoryState extends Open {
  repositoryName: string;
  repositoryArn: string;
  tags: Tag[];
  lifecyclePolicyText?: string;
  images: { imageDigest: string; imageTags: string[] }[];
}
export interface Ec2ResourceState extends Open {
  id: string;
  state: string;
  tags: Tag[];
}

export interface EmulatorState {
  region: string;
  accountId: string;
  /** Epoch ms the snapshot was taken at. */
  at: number;
  eks: { clusters: EksClusterState[] };
  ecr: { repositories: EcrRepositoryState[] };
  iam: { roles: RoleState[]; oidcProviders: OidcProviderState[] };
  s3: { buckets: S3BucketState[] };
  ec2: {
    vpcs: Ec2ResourceState[];
    subnets: Ec2ResourceState[];
    internetGateways: Ec2ResourceState[];
    routeTables: Ec2ResourceState[];
    addresses: Ec2ResourceState[];
    natGateways: Ec2ResourceState[];
  };
}

function plain<T extends { id: string; tags: Tag[] }>(
  r: T,
  state: string,
  extra: Open = {},
): Ec2ResourceState {
  const copy = JSON.parse(JSON.stringify(r)) as Open & { id: string; tags: Tag[] };
  delete copy.lifecycle;
  return { ...copy, state, ...extra };
}

export function snapshot(ctx: EmulatorContext): EmulatorState {
  ctx.eks.sweep();
  ctx.ec2.sweep();
  const ec2 = ctx.ec2;
  return {
    region: ctx.region,
    accountId: ctx.accountId,
    at: ctx.clock.now(),
    eks: {
      clusters: [...ctx.eks.clusters.values()].map((c) => ({
        ...(clusterView(ctx, c) as EksClusterState),
        nodegroups: [...c.nodegroups.values()].map((n) => nodegroupView(ctx, n) as EksNodegroupState),
        addons: [...c.addons.values()].map((a) => addonView(ctx, a) as EksAddonState),
        accessEntries: [...c.accessEntries.values()].map((e) => ({
          ...(accessEntryView(c.name, e) as EksAccessEntryState),
          associatedAccessPolicies: [...e.policies.values()].map(associationView),
        })),
        podIdentityAssociations: [...c.podIdentityAssociations.values()].map(podIdentityView),
      })),
    },
    ecr: {
      repositories: [...ctx.ecr.repositories.values()].map((r) => ({
        ...(repoView(ctx, r) as EcrRepositoryState),
        tags: r.tags.map((t) => ({ ...t })),
        ...(r.lifecyclePolicy ? { lifecyclePolicyText: r.lifecyclePolicy.text } : {}),
        images: r.images.map((i) => ({ imageDigest: i.digest, imageTags: [...i.tags] })),
      })),
    },
    iam: ctx.iam.snapshot(),
    s3: ctx.s3.snapshot(),
    ec2: {
      vpcs: [...ec2.vpcs.values()].map((v) => plain(v, 'available')),
      subnets: [...ec2.subnets.values()].map((s) => plain(s, 'available')),
      internetGateways: [...ec2.internetGateways.values()].map((g) =>
        plain(g, g.vpcId ? 'attached' : 'detached'),
      ),
      routeTables: [...ec2.routeTables.values()].map((t) => plain(t, 'available')),
      addresses: [...ec2.addresses.values()].map((a) => {
        const nat = a.natGatewayId ? ec2.natGateways.get(a.natGatewayId) : undefined;
        return plain(a, nat && ec2.natHoldsResources(nat) ? 'associated' : 'unassociated');
      }),
      natGateways: [...ec2.natGateways.values()].map((n) =>
        plain(n, ec2.natState(n), n.lifecycle.failure ? { failureCode: n.lifecycle.failure.code } : {}),
      ),
    },
  };
}
