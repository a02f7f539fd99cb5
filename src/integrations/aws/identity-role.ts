/**
 * The IAM role of one workload identity: trusted by EKS Pod Identity (pods.eks.amazonaws.com,
 * sts:AssumeRole + sts:TagSession, as the EKS User Guide gives it), holding exactly the declared
 * policies. Managed policies are attached and inline ones put; anything else found on the role
 * is detached or deleted, so a policy detached by hand comes back and one added by hand goes.
 *
 * Identity roles live under the path /gitops/<cluster>/, which is how teardown and status find
 * them again with ListRoles (IAM has no listing by tag); the tags then say they are ours, which
 * service account they serve and a digest of the policies declared for it, so `gitops status`
 * can tell drift without the profile.
 */
import { createHash } from 'node:crypto';
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import { canonicalPolicy } from '../../spec/iam-policy.js';
import { identityKey, type WorkloadIdentity } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode, ignoreNotFound, isNotFound } from './errors.js';
import type { IamRole, Tags } from './ports.js';
import { assertOwned, missingTags, resourceTags } from './tags.js';

export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';
export const SERVICE_ACCOUNT_TAG = 'gitops.dev/service-account';
export const ADDON_TAG = 'gitops.dev/addon';
export const POLICIES_TAG = 'gitops.dev/policies';

export interface IdentityRoleOutput {
  name: string;
  arn: string;
}

/** The IAM path every cluster's identity roles live under, each cluster in a folder of its own. */
export const IDENTITY_ROOT = '/gitops/';

export function identityPath(cluster: string): string {
  return `${IDENTITY_ROOT}${cluster}/`;
}

/** Role names are unique per account and at most 64 characters; long ones keep a hash of the whole. */
export function identityRoleName(cluster: string, namespace: string, serviceAccount: string): string {
  const name = `gitops-${cluster}-${namespace}-${serviceAccount}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256')
    .update(`${cluster}/${namespace}/${serviceAccount}`)
    .digest('hex')
    .slice(0, 8);
  return `${name.slice(0, 64 - hash.length - 1)}-${hash}`;
}

export function identityRoleRef(
  i: Pick<WorkloadIdentity, 'namespace' | 'serviceAccount'>,
): StepRef<IdentityRoleOutput> {
  return stepRef(`aws:identity:${identityKey(i)}`);
}

export function podIdentityTrustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EksPodIdentityAssumesForThePods',
        Effect: 'Allow',
        Principal: { Service: POD_IDENTITY_PRINCIPAL },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ],
  });
}

/** A digest of exactly these policies: equal policies, equal digest, however IAM spaced them. */
export function policyDigest(
  managed: readonly string[],
  inline: readonly { name: string; document: string }[],
): string {
  const h = createHash('sha256');
  for (const arn of [...new Set(managed)].sort()) h.update(`managed\0${arn}\0`);
  for (const p of [...inline].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`inline\0${p.name}\0${canonicalPolicy(JSON.parse(p.document))}\0`);
  }
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}

export function identityTags(spec: Pick<ClusterSpec, 'name' | 'tags'>, identity: WorkloadIdentity): Tags {
  return resourceTags(spec.name, spec.tags, {
    [SERVICE_ACCOUNT_TAG]: identityKey(identity),
    [POLICIES_TAG]: policyDigest(identity.managedPolicyArns, identity.inlinePolicies),
    ...(identity.addon === undefined ? {} : { [ADDON_TAG]: identity.addon }),
  });
}

export function identityRoleStep(
  spec: ClusterSpec,
  aws: AwsClients,
  identity: WorkloadIdentity,
): Step<IdentityRoleOutput> {
  const key = identityKey(identity);
  const name = identityRoleName(spec.name, identity.namespace, identity.serviceAccount);
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    let role = await aws.iam.getRole(name);
    if (role) checkRole(spec.name, key, role);
    else role = await changes.make(`create role ${name}`, () => createRole(aws, spec, identity, name));
    // A role created just now (or one a dry run would create) has no policies yet.
    const existing = role !== undefined && changes.none;
    await convergePolicies(aws, name, identity, changes, existing);
    const tags = role ? missingTags(identityTags(spec, identity), role.tags) : {};
    if (Object.keys(tags).length > 0) await changes.make('update tags', () => aws.iam.tagRole(name, tags));
    return { changes, output: role ? { name, arn: role.arn } : undefined };
  };
  return {
    id: identityRoleRef(identity).id,
    title: `IAM role for ${key}`,
    async observe(ctx) {
      const { changes, output } = await converge(ctx, false);
      return {
        inSync: changes.none,
        summary: changes.summary(`role ${name} holds exactly the declared policies`),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const { changes, output } = await converge(ctx, true);
      return changes.applied(output);
    },
  };
}

/** Ours, for this service account, and still trusting EKS Pod Identity: else refuse to touch it. */
function checkRole(cluster: string, key: string, role: IamRole): void {
  assertOwned('IAM role', role.name, role.tags, cluster);
  const serves = role.tags[SERVICE_ACCOUNT_TAG];
  if (serves !== undefined && serves !== key) {
    throw userError('GITOPS_CONFLICT', `IAM role ${role.name} serves ${serves}, not ${key}`, {
      hint: 'two identities map to the same role name; rename a namespace or service account',
    });
  }
  if (!role.trustPolicy.includes(POD_IDENTITY_PRINCIPAL)) {
    throw userError(
      'GITOPS_CONFLICT',
      `IAM role ${role.name}: its trust policy does not let ${POD_IDENTITY_PRINCIPAL} assume it`,
      { hint: 'gitops does not rewrite trust policies; fix it or delete the role and run again' },
    );
  }
}

async function convergePolicies(
  aws: AwsClients,
  name: string,
  identity: WorkloadIdentity,
  changes: Changes,
  existing: boolean,
): Promise<void> {
  const short = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const attached = existing ? await aws.iam.listAttachedRolePolicies(name) : [];
  for (const arn of identity.managedPolicyArns) {
    if (!attached.includes(arn))
      await changes.make(`attach ${short(arn)}`, () => aws.iam.attachRolePolicy(name, arn));
  }
  for (const arn of attached) {
    if (!identity.managedPolicyArns.includes(arn))
      await changes.make(`detach ${short(arn)}`, () => aws.iam.detachRolePolicy(name, arn));
  }
  const inline = existing ? await aws.iam.listRolePolicies(name) : [];
  for (const p of identity.inlinePolicies) {
    const current = inline.includes(p.name) ? await aws.iam.getRolePolicy(name, p.name) : undefined;
    if (current !== undefined && sameDocument(current, p.document)) continue;
    const verb = current === undefined ? 'put' : 'rewrite';
    await changes.make(`${verb} inline policy ${p.name}`, () =>
      aws.iam.putRolePolicy(name, p.name, p.document),
    );
  }
  for (const extra of inline) {
    if (!identity.inlinePolicies.some((p) => p.name === extra))
      await changes.make(`delete inline policy ${extra}`, () => aws.iam.deleteRolePolicy(name, extra));
  }
}

function sameDocument(live: string, wanted: string): boolean {
  try {
    return canonicalPolicy(JSON.parse(live)) === canonicalPolicy(JSON.parse(wanted));
  } catch {
    return false;
  }
}

/** Creates the role; if another run created it first, takes it when it is ours. */
async function createRole(
  aws: AwsClients,
  spec: ClusterSpec,
  identity: WorkloadIdentity,
  name: string,
): Promise<IamRole> {
  try {
    return await aws.iam.createRole(
      name,
      podIdentityTrustPolicy(),
      `gitops: EKS Pod Identity role of ${identityKey(identity)} in cluster ${spec.name}`,
      identityTags(spec, identity),
      identityPath(spec.name),
    );
  } catch (e) {
    if (!hasAwsCode(e, 'EntityAlreadyExists')) throw e;
    const role = await aws.iam.getRole(name);
    if (!role) throw e;
    checkRole(spec.name, identityKey(identity), role);
    return role;
  }
}

/** Inline policies deleted, managed ones detached, then the role: what DeleteRole requires. */
export async function deleteIdentityRole(aws: AwsClients, name: string): Promise<void> {
  for (const policy of await aws.iam.listRolePolicies(name).catch(notFoundAsEmpty)) {
    await ignoreNotFound(aws.iam.deleteRolePolicy(name, policy));
  }
  for (const arn of await aws.iam.listAttachedRolePolicies(name).catch(notFoundAsEmpty)) {
    await ignoreNotFound(aws.iam.detachRolePolicy(name, arn));
  }
  await ignoreNotFound(aws.iam.deleteRole(name));
}

function notFoundAsEmpty(e: unknown): string[] {
  if (isNotFound(e)) return [];
  throw e;
}

/** Our identity roles of a cluster (found under its path, kept only when tagged for it). */
export async function findIdentityRoles(aws: AwsClients, cluster: string): Promise<IamRole[]> {
  const names = await aws.iam.listRoles(identityPath(cluster));
  const roles = await Promise.all(names.map((n) => aws.iam.getRole(n)));
  return roles.filter((r): r is IamRole => r !== undefined);
}
