/**
 * The two IAM roles a cluster needs: the cluster role (EKS assumes it) and the node role (EC2
 * instances of managed node groups assume it). Created with our tags and AWS's managed
 * policies, or taken as given when the spec brings its own ARNs (then never modified).
 */
import { createHash } from 'node:crypto';
import { userError } from '../../primitives/errors.js';
import { partitionOf } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import type { IamRole } from './ports.js';
import { assertOwned, isOwned, missingTags, resourceTags } from './tags.js';

export type RoleKind = 'cluster' | 'node';

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

export function rolePolicies(region: string, kind: RoleKind): string[] {
  const p = partitionOf(region);
  const names =
    kind === 'cluster'
      ? ['AmazonEKSClusterPolicy']
      : ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'];
  return names.map((n) => `arn:${p}:iam::aws:policy/${n}`);
}

function servicePrincipal(region: string, kind: RoleKind): string {
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

export function roleRef(kind: RoleKind): StepRef<RoleOutput> {
  return kind === 'cluster' ? CLUSTER_ROLE : NODE_ROLE;
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
    if (role && !role.trustPolicy.includes(servicePrincipal(aws.region, kind))) {
      throw userError(
        'GITOPS_CONFLICT',
        `IAM role ${name}: its trust policy does not let ${servicePrincipal(aws.region, kind)} assume it`,
        {
          hint: 'gitops does not rewrite trust policies; fix it or delete the role and run again',
        },
      );
    }
    // A role created just now has no policies yet; an existing one is asked.
    const attached = role && changes.none ? await aws.iam.listAttachedRolePolicies(name) : [];
    for (const policy of rolePolicies(aws.region, kind)) {
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
      if (given !== undefined) return observeGiven(aws, given, field);
      const { changes, output } = await converge(ctx, false);
      return {
        inSync: changes.none,
        summary: changes.summary(`role ${name} exists`),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const { changes, output } = await converge(ctx, true);
      const created = changes.actions.some((a) => a.startsWith('create'));
      return {
        result: created ? 'created' : 'updated',
        summary: changes.summary(''),
        ...(output ? { output } : {}),
      };
    },
  };
}

async function observeGiven(aws: AwsClients, arn: string, field: string) {
  const name = arn.split('/').pop() ?? arn;
  const role = await aws.iam.getRole(name);
  if (!role) throw userError('GITOPS_BAD_CONFIG', `${field}: role ${arn} does not exist`);
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
