/**
 * EKS Pod Identity associations as plan steps: one per identity that no add-on owns (add-on ones
 * travel with their add-on, see addons.ts), then `aws:identities`, which removes the identities no
 * longer declared and records the declared set on the cluster (a tag), so `gitops status` can
 * tell an identity that vanished entirely. Teardown deletes the associations with the in-cluster
 * resources and the roles once the cluster is gone.
 */
import { createHash } from 'node:crypto';
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import { identityKey, type WorkloadIdentity } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import { idempotencyToken } from './idempotency.js';
import {
  deleteIdentityRole,
  findIdentityRoles,
  identityPath,
  identityRoleName,
  identityRoleRef,
  SERVICE_ACCOUNT_TAG,
} from './identity-role.js';
import type { IamRole, PodIdentityAssociation } from './ports.js';
import { isOwned, resourceTags } from './tags.js';

/** On the EKS cluster: how many identities were declared and a digest of which. */
export const IDENTITIES_TAG = 'gitops.dev/identities';
export const IDENTITIES = stepRef<{ identities: number }>('aws:identities');

export interface AssociationOutput {
  id: string;
  arn: string;
}

export function podIdentityRef(
  i: Pick<WorkloadIdentity, 'namespace' | 'serviceAccount'>,
): StepRef<AssociationOutput> {
  return stepRef(`aws:pod-identity:${identityKey(i)}`);
}

export function identitiesRecord(keys: readonly string[]): string {
  const sorted = [...new Set(keys)].sort();
  return `${sorted.length}:${createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16)}`;
}

/**
 * The cluster's associations that `wanted` keeps (default: all), described (summaries carry no
 * role); none for a missing cluster.
 */
export async function describeAssociations(
  aws: AwsClients,
  cluster: string,
  wanted: (summary: PodIdentityAssociation) => boolean = () => true,
): Promise<PodIdentityAssociation[]> {
  let list: PodIdentityAssociation[];
  try {
    list = await aws.eks.listPodIdentityAssociations(cluster);
  } catch (e) {
    if (hasAwsCode(e, 'ResourceNotFoundException')) return [];
    throw e;
  }
  const described = await Promise.all(
    list.filter(wanted).map((a) => aws.eks.describePodIdentityAssociation(cluster, a.id)),
  );
  return described.filter((a): a is PodIdentityAssociation => a !== undefined);
}

/** An association of ours: tagged for the cluster, or naming one of its identity roles. */
export function isOurAssociation(a: PodIdentityAssociation, cluster: string): boolean {
  return isOwned(a.tags, cluster) || (a.roleArn ?? '').includes(`:role${identityPath(cluster)}`);
}

export function podIdentityStep(
  spec: ClusterSpec,
  aws: AwsClients,
  identity: WorkloadIdentity,
): Step<AssociationOutput> {
  const key = identityKey(identity);
  const roleName = identityRoleName(spec.name, identity.namespace, identity.serviceAccount);
  const current = async () => {
    const all = await describeAssociations(aws, spec.name);
    const found = all.find(
      (a) => a.namespace === identity.namespace && a.serviceAccount === identity.serviceAccount,
    );
    if (found) checkAssociation(spec.name, key, found);
    return found;
  };
  return {
    id: podIdentityRef(identity).id,
    title: `Pod Identity association for ${key}`,
    dependsOn: [CLUSTER.id, identityRoleRef(identity).id],
    async observe() {
      const a = await current();
      if (!a) return { inSync: false, summary: `associate ${key} with role ${roleName}` };
      if (!a.roleArn?.endsWith(`/${roleName}`) || !isOwned(a.tags, spec.name)) {
        return { inSync: false, summary: `point ${key} at role ${roleName} (now ${a.roleArn ?? 'none'})` };
      }
      return { inSync: true, summary: `${key} -> role ${roleName}`, output: { id: a.id, arn: a.arn } };
    },
    async apply(ctx: StepContext) {
      const cluster = ctx.need(CLUSTER);
      const role = ctx.need(identityRoleRef(identity));
      let a = await current();
      if (!a) {
        try {
          a = await aws.eks.createPodIdentityAssociation({
            clusterName: spec.name,
            namespace: identity.namespace,
            serviceAccount: identity.serviceAccount,
            roleArn: role.arn,
            tags: resourceTags(spec.name, spec.tags),
            clientRequestToken: idempotencyToken('pod-identity', cluster.arn, cluster.createdAt, key),
          });
          return {
            result: 'created',
            summary: `${key} -> role ${roleName}`,
            output: { id: a.id, arn: a.arn },
          };
        } catch (e) {
          // Another run made it first: converge that one.
          if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
          a = await current();
          if (!a) throw e;
        }
      }
      if (a.roleArn !== role.arn) await aws.eks.updatePodIdentityAssociation(spec.name, a.id, role.arn);
      // An association made for our role outside gitops is adopted: it carries our tags from now on.
      if (!isOwned(a.tags, spec.name)) await aws.eks.tagResource(a.arn, resourceTags(spec.name, spec.tags));
      return { result: 'updated', summary: `${key} -> role ${roleName}`, output: { id: a.id, arn: a.arn } };
    },
  };
}

/** Someone else's association for the service account is not ours to repoint. */
function checkAssociation(cluster: string, key: string, a: PodIdentityAssociation): void {
  if (a.ownerArn !== undefined) {
    const addon = a.ownerArn.split('/')[2] ?? a.ownerArn;
    throw userError('GITOPS_CONFLICT', `the Pod Identity association of ${key} belongs to add-on ${addon}`, {
      hint: `declare the identity with "addon: ${addon}", so that it goes through the add-on`,
    });
  }
  if (isOurAssociation(a, cluster)) return;
  throw userError(
    'GITOPS_CONFLICT',
    `a Pod Identity association made outside gitops gives ${key} the role ${a.roleArn ?? '(unknown)'}`,
    { hint: 'delete that association, or drop the identity from the profile and gitops.yaml' },
  );
}

/**
 * Removes identities no longer declared (their associations and roles) and records the declared
 * set on the cluster. Runs after every association step, so it never races one.
 */
export function identitiesStep(
  spec: ClusterSpec,
  aws: AwsClients,
  identities: readonly WorkloadIdentity[],
  dependsOn: readonly string[],
): Step<{ identities: number }> {
  const declared = new Set(identities.map(identityKey));
  const record = identitiesRecord([...declared]);
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    const stale = (await findIdentityRoles(aws, spec.name)).filter(
      (r) => isOwned(r.tags, spec.name) && !declared.has(r.tags[SERVICE_ACCOUNT_TAG] ?? ''),
    );
    for (const role of stale) {
      const who = role.tags[SERVICE_ACCOUNT_TAG] ?? role.name;
      await changes.make(`remove identity ${who} (role ${role.name})`, () =>
        removeIdentity(aws, spec.name, role),
      );
    }
    const cluster = await aws.eks.describeCluster(spec.name);
    const recorded = cluster?.tags[IDENTITIES_TAG];
    if ((declared.size > 0 || recorded !== undefined) && recorded !== record) {
      await changes.make(`record ${declared.size} identities on the cluster`, async () => {
        const arn = cluster?.arn ?? ctx.need(CLUSTER).arn;
        await aws.eks.tagResource(arn, { [IDENTITIES_TAG]: record });
      });
    }
    return changes;
  };
  return {
    id: IDENTITIES.id,
    title: 'Workload identities: remove undeclared, record the declared',
    dependsOn: [CLUSTER.id, ...dependsOn],
    async observe(ctx) {
      const changes = await converge(ctx, false);
      return {
        inSync: changes.none,
        summary: changes.summary(`${declared.size} identities, none undeclared`),
        output: { identities: declared.size },
      };
    },
    async apply(ctx) {
      const changes = await converge(ctx, true);
      return { result: 'updated', summary: changes.summary(''), output: { identities: declared.size } };
    },
  };
}

async function removeIdentity(aws: AwsClients, cluster: string, role: IamRole): Promise<void> {
  for (const a of await describeAssociations(aws, cluster)) {
    if (a.roleArn === role.arn) await ignoreNotFound(aws.eks.deletePodIdentityAssociation(cluster, a.id));
  }
  await deleteIdentityRole(aws, role.name);
}

/** Teardown: our associations, with the other in-cluster resources (the cluster's go with it). */
export function podIdentityTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const ours = async () =>
    (await describeAssociations(aws, cluster)).filter((a) => isOurAssociation(a, cluster));
  const names = (list: PodIdentityAssociation[]) =>
    list.map((a) => `${a.namespace}/${a.serviceAccount}`).join(', ');
  return {
    id: 'aws:pod-identity',
    title: 'delete Pod Identity associations',
    dependsOn,
    async observe() {
      const list = await ours();
      if (list.length === 0) return { inSync: true, summary: 'no Pod Identity associations of ours' };
      return { inSync: false, summary: `delete the associations of ${names(list)}` };
    },
    async apply() {
      const list = await ours();
      await Promise.all(list.map((a) => ignoreNotFound(aws.eks.deletePodIdentityAssociation(cluster, a.id))));
      return { result: 'deleted', summary: `deleted the associations of ${names(list)}` };
    },
  };
}

/** Teardown: the identity roles under the cluster's path; one not tagged as ours is kept. */
export function identityRolesTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const find = async (ctx: StepContext) =>
    (await findIdentityRoles(aws, cluster)).filter((r) => {
      if (isOwned(r.tags, cluster)) return true;
      ctx.warn(
        'GITOPS_NOT_OURS',
        `IAM role ${r.name} is not tagged as managed by gitops for ${cluster}; kept`,
      );
      return false;
    });
  return {
    id: 'aws:iam:identities',
    title: 'delete the Pod Identity roles',
    dependsOn,
    async observe(ctx) {
      const roles = await find(ctx);
      if (roles.length === 0) return { inSync: true, summary: 'no Pod Identity roles of ours' };
      return { inSync: false, summary: `delete roles ${roles.map((r) => r.name).join(', ')}` };
    },
    async apply(ctx) {
      const roles = await find(ctx);
      for (const r of roles) await deleteIdentityRole(aws, r.name);
      return { result: 'deleted', summary: `deleted roles ${roles.map((r) => r.name).join(', ')}` };
    },
  };
}
