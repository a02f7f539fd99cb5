/**
 * The IAM roles a cluster needs: the cluster role (EKS assumes it) and a node role (EC2 instances
 * assume it): `node` for managed node groups, `auto-node` for the nodes EKS Auto Mode makes. Auto
 * Mode's node role is a role of its own, so that a cluster moving to Auto Mode keeps its node
 * groups' role (and their access entry) untouched while they drain. Created with our tags and
 * AWS's managed policies, or taken as given when the spec brings its own ARNs (never modified).
 */
import { createHash } from 'node:crypto';
import { userError } from '../../primitives/errors.js';
import { partitionOf } from '../../spec/identity.js';
import type { ComputeMode } from '../../spec/compute.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import type { IamRole } from './ports.js';
import { trustAllows } from './trust.js';
import { assertOwned, isOwned, missingTags, resourceTags } from './tags.js';

export type RoleKind = 'cluster' | 'node' | 'auto-node';

export interface RoleOutput {
  name: string;
  arn: string;
  /** False for a role the user brought: teardown leaves it alone. */
  managed: boolean;
}

export { partitionOf } from '../../spec/identity.js';

/** Role names are at most 64 characters; long cluster names are shortened with a hash. */
export function roleName(cluster: string, kind: RoleKind): string {
  const name = `gitops-${cluster}-${kind}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(cluster).digest('hex').slice(0, 8);
  return `gitops-${cluster.slice(0, 64 - 'gitops-'.length - kind.length - hash.length - 2)}-${hash}-${kind}`;
}

/**
 * AWS's managed policies for each role. Auto Mode's are the ones the EKS User Guide lists ("Create
 * an EKS Auto Mode Cluster with the AWS CLI"): the cluster role also gets the compute, block
 * storage, load balancing and networking policies; the node role only the minimal worker policy
 * and ECR pull (its nodes' networking is EKS's, not the VPC CNI's on the node).
 */
export function rolePolicies(region: string, kind: RoleKind, compute: ComputeMode = 'nodegroups'): string[] {
  const p = partitionOf(region);
  const names = {
    cluster:
      compute === 'auto'
        ? [
            'AmazonEKSClusterPolicy',
            'AmazonEKSComputePolicy',
            'AmazonEKSBlockStoragePolicy',
            'AmazonEKSLoadBalancingPolicy',
            'AmazonEKSNetworkingPolicy',
          ]
        : ['AmazonEKSClusterPolicy'],
    node: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'],
    'auto-node': ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly'],
  }[kind];
  return names.map((n) => `arn:${p}:iam::aws:policy/${n}`);
}

export function servicePrincipal(region: string, kind: RoleKind): string {
  if (kind === 'cluster') return 'eks.amazonaws.com';
  return partitionOf(region) === 'aws-cn' ? 'ec2.amazonaws.com.cn' : 'ec2.amazonaws.com';
}

export function trustPolicy(region: string, kind: RoleKind): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: servicePrincipal(region, kind) },
        Action: kind === 'cluster' ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole',
      },
    ],
  });
}

export const CLUSTER_ROLE = stepRef<RoleOutput>('aws:iam:cluster-role');
export const NODE_ROLE = stepRef<RoleOutput>('aws:iam:node-role');
export const AUTO_NODE_ROLE = stepRef<RoleOutput>('aws:iam:auto-node-role');

export function roleRef(kind: RoleKind): StepRef<RoleOutput> {
  return { cluster: CLUSTER_ROLE, node: NODE_ROLE, 'auto-node': AUTO_NODE_ROLE }[kind];
}

/** The node role of the spec's compute mode. */
export function nodeRoleKind(spec: Pick<ClusterSpec, 'compute'>): RoleKind {
  return spec.compute === 'auto' ? 'auto-node' : 'node';
}

/**
 * What the trust policy must also allow: Auto Mode's cluster role is assumed with session tags
 * ("The Cluster IAM Role must have an updated trust policy including the sts:TagSession action",
 * EKS User Guide, "Enable EKS Auto Mode on an existing cluster").
 */
function trustProblem(spec: ClusterSpec, region: string, kind: RoleKind, trust: string): string | undefined {
  const principal = servicePrincipal(region, kind);
  if (!trustAllows(trust, principal, 'sts:AssumeRole'))
    return `its trust policy does not let ${principal} assume it`;
  if (kind === 'cluster' && spec.compute === 'auto' && !trustAllows(trust, principal, 'sts:TagSession'))
    return `EKS Auto Mode needs its trust policy to let ${principal} do sts:TagSession too`;
  return undefined;
}

export function roleStep(spec: ClusterSpec, aws: AwsClients, kind: RoleKind): Step<RoleOutput> {
  const given = kind === 'cluster' ? spec.iam.clusterRoleArn : spec.iam.nodeRoleArn;
  const field = kind === 'cluster' ? 'iam.clusterRoleArn' : 'iam.nodeRoleArn';
  const name = roleName(spec.name, kind);
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    let role = await aws.iam.getRole(name);
    if (role) assertOwned('IAM role', name, role.tags, spec.name);
    else {
      role = await changes.make(`create role ${name}`, () => createRole(aws, spec, name, kind));
    }
    const problem = role ? trustProblem(spec, aws.region, kind, role.trustPolicy) : undefined;
    if (problem) {
      throw userError('GITOPS_CONFLICT', `IAM role ${name}: ${problem}`, {
        hint: 'gitops does not rewrite trust policies; fix it or delete the role and run again',
      });
    }
    // A role created just now has no policies yet; an existing one is asked.
    const attached = role && changes.none ? await aws.iam.listAttachedRolePolicies(name) : [];
    for (const policy of rolePolicies(aws.region, kind, spec.compute)) {
      if (attached.includes(policy)) continue;
      await changes.make(`attach ${policy.split('/').pop()}`, () => aws.iam.attachRolePolicy(name, policy));
    }
    const tags = role ? missingTags(resourceTags(spec.name, spec.tags), role.tags) : {};
    if (Object.keys(tags).length > 0) await changes.make('update tags', () => aws.iam.tagRole(name, tags));
    return { changes, output: role ? { name, arn: role.arn, managed: true } : undefined };
  };
  return {
    id: roleRef(kind).id,
    title: `IAM ${kind} role`,
    async observe(ctx) {
      if (given !== undefined)
        return observeGiven(aws, given, field, (trust) => trustProblem(spec, aws.region, kind, trust));
      const { changes, output } = await converge(ctx, false);
      return {
        inSync: changes.none,
        summary: changes.summary(`role ${name} exists`),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const { changes, output } = await converge(ctx, true);
      return changes.applied(output);
    },
  };
}

async function observeGiven(
  aws: AwsClients,
  arn: string,
  field: string,
  trustProblemOf: (trust: string) => string | undefined,
) {
  const name = arn.split('/').pop() ?? arn;
  const role = await aws.iam.getRole(name);
  if (!role) throw userError('GITOPS_BAD_CONFIG', `${field}: role ${arn} does not exist`);
  const problem = trustProblemOf(role.trustPolicy);
  if (problem) throw userError('GITOPS_BAD_CONFIG', `${field}: role ${arn}: ${problem}`);
  const output: RoleOutput = { name, arn: role.arn || arn, managed: false };
  return { inSync: true, summary: `using the given role ${name}`, output };
}

/** Creates the role; if another run created it first, takes it when it is ours. */
async function createRole(
  aws: AwsClients,
  spec: ClusterSpec,
  name: string,
  kind: RoleKind,
): Promise<IamRole> {
  try {
    return await aws.iam.createRole(
      name,
      trustPolicy(aws.region, kind),
      `gitops ${kind} role for EKS cluster ${spec.name}`,
      resourceTags(spec.name, spec.tags),
    );
  } catch (e) {
    if (!hasAwsCode(e, 'EntityAlreadyExists')) throw e;
    const role = await aws.iam.getRole(name);
    if (!role) throw e;
    assertOwned('IAM role', name, role.tags, spec.name);
    return role;
  }
}

/** Teardown: detach what is attached, delete; a role that is not ours is kept with a warning. */
export function roleTeardownStep(
  cluster: string,
  aws: AwsClients,
  kind: RoleKind,
  dependsOn: string[],
): Step {
  const name = roleName(cluster, kind);
  return {
    id: roleRef(kind).id,
    title: `delete IAM ${kind} role`,
    dependsOn,
    async observe(ctx) {
      const role = await aws.iam.getRole(name);
      if (!role) return { inSync: true, summary: `no role ${name}` };
      if (!isOwned(role.tags, cluster)) {
        ctx.warn(
          'GITOPS_NOT_OURS',
          `IAM role ${name} is not tagged as managed by gitops for ${cluster}; kept`,
        );
        return { inSync: true, summary: `kept ${name}: not managed by gitops` };
      }
      return { inSync: false, summary: `delete role ${name}` };
    },
    async apply() {
      for (const policy of await aws.iam.listAttachedRolePolicies(name)) {
        await ignoreNotFound(aws.iam.detachRolePolicy(name, policy));
      }
      await ignoreNotFound(aws.iam.deleteRole(name));
      return { result: 'deleted', summary: `deleted role ${name}` };
    },
  };
}
