/**
 * The CI role of a cluster: GitHub Actions workflows of the repositories in the spec's `ci`
 * assume it through the account's OpenID Connect provider for GitHub (ci-oidc.ts) and may then
 * log in to ECR and push to this cluster's repositories, nothing else. One step, `aws:ci`,
 * converges all of it, and removes it when the spec no longer asks for CI.
 *
 * The role lives under the path /gitops-ci/ (not /gitops/<cluster>/, where every role must be a
 * Pod Identity role) and carries a digest of its trust and permissions, so `gitops status` tells
 * drift without the spec. The cluster records that CI was declared (a tag), so status also tells
 * a role deleted by hand.
 */
import { createHash } from 'node:crypto';
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import { type CiSpec, ciTrustPolicy, githubProviderArn, githubSubjects } from '../../spec/ci.js';
import { canonicalPolicy } from '../../spec/iam-policy.js';
import { partitionOf } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { ensureGithubProvider, removeGithubProviderIfUnused } from './ci-oidc.js';
import { CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound, isNotFound } from './errors.js';
import type { IamRole, Tags } from './ports.js';
import { assertOwned, isOwned, missingTags, resourceTags } from './tags.js';

export const CI_PATH = '/gitops-ci/';
/** On the role (its provider) and on the cluster (the record that CI was declared). */
export const CI_TAG = 'gitops.dev/ci';
export const CI_POLICIES_TAG = 'gitops.dev/ci-policies';
export const CI_POLICY_NAME = 'push-to-cluster-repositories';
export const CI = stepRef<CiRoleOutput>('aws:ci');

export interface CiRoleOutput {
  roleArn?: string;
  providerArn?: string;
  subjects: string[];
}

/** Role names are unique per account and at most 64 characters; long ones keep a hash of the whole. */
export function ciRoleName(cluster: string): string {
  const name = `gitops-${cluster}-ci`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(cluster).digest('hex').slice(0, 8);
  return `gitops-${cluster.slice(0, 64 - 'gitops-'.length - '-ci'.length - hash.length - 1)}-${hash}-ci`;
}

export function ecrRepositoryArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${accountId}:repository/${name}`;
}

/**
 * What a push needs, as AWS's ECR guide lists it ("IAM permissions for pushing an image"), on
 * this cluster's repositories only; DescribeImages lets the workflow skip a commit already pushed
 * (a re-run into a repository with immutable tags would otherwise fail). The token is account-wide:
 * GetAuthorizationToken has no resource-level permission.
 */
export function ciPushPolicy(region: string, accountId: string, repositories: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'LogInToTheRegistry', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PushToThisClustersRepositories',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: [...repositories].sort().map((r) => ecrRepositoryArn(region, accountId, r)),
      },
    ],
  });
}

export function ciPolicyDigest(trust: string, push: string): string {
  const h = createHash('sha256');
  h.update(`trust\0${canonicalPolicy(JSON.parse(trust))}\0push\0${canonicalPolicy(JSON.parse(push))}`);
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}

/** `ci` needs somewhere to push: a cluster without ECR repositories is refused before any change. */
export function checkCiSpec(spec: Pick<ClusterSpec, 'ci' | 'ecrRepositories'>, source: string): void {
  if (spec.ci !== undefined && spec.ecrRepositories.length === 0) {
    throw userError('GITOPS_BAD_CONFIG', `${source}: ci: the cluster has no ECR repositories to push to`, {
      hint: 'use a profile that declares ecrRepositories, or add some under ecrRepositories in the spec',
    });
  }
}

interface Wanted {
  name: string;
  trust: string;
  push: string;
  subjects: string[];
  providerArn: string;
  tags: Tags;
}

function wanted(spec: ClusterSpec, ci: CiSpec, accountId: string): Wanted {
  const providerArn = githubProviderArn(partitionOf(spec.region), accountId);
  const subjects = githubSubjects(ci);
  const trust = ciTrustPolicy(providerArn, subjects);
  const push = ciPushPolicy(
    spec.region,
    accountId,
    spec.ecrRepositories.map((r) => r.name),
  );
  const tags = resourceTags(spec.name, spec.tags, {
    [CI_TAG]: 'github',
    [CI_POLICIES_TAG]: ciPolicyDigest(trust, push),
  });
  return { name: ciRoleName(spec.name), trust, push, subjects, providerArn, tags };
}

export function ciStep(spec: ClusterSpec, aws: AwsClients): Step<CiRoleOutput> {
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    const output =
      spec.ci === undefined
        ? await removeCi(aws, spec.name, changes, await recordedCi(aws, spec.name))
        : await convergeCi(aws, spec, spec.ci, changes);
    await convergeRecord(aws, spec, ctx, changes);
    return { changes, output };
  };
  return {
    id: CI.id,
    title: spec.ci ? `CI role for ${spec.ci.github.repositories.join(', ')}` : 'CI role (none declared)',
    // The record goes on the cluster; the role itself would need nothing.
    dependsOn: [CLUSTER.id],
    async observe(ctx) {
      const { changes, output } = await converge(ctx, false);
      const fallback = spec.ci
        ? `role ${ciRoleName(spec.name)} trusts ${output.subjects.join(', ')}`
        : 'no CI role';
      return { inSync: changes.none, summary: changes.summary(fallback), output };
    },
    async apply(ctx) {
      const { changes, output } = await converge(ctx, true);
      const created = changes.actions.some((a) => a.startsWith('create role'));
      const deleted = changes.actions.some((a) => a.startsWith('delete role'));
      return {
        result: created ? 'created' : deleted ? 'deleted' : 'updated',
        summary: changes.summary(''),
        output,
      };
    },
  };
}

async function convergeCi(
  aws: AwsClients,
  spec: ClusterSpec,
  ci: CiSpec,
  changes: Changes,
): Promise<CiRoleOutput> {
  const { account } = await aws.sts.getCallerIdentity();
  const want = wanted(spec, ci, account);
  await ensureGithubProvider(aws, changes, want.providerArn);
  const found = await aws.iam.getRole(want.name);
  if (found) checkRole(spec.name, found);
  const role = found ?? (await changes.make(`create role ${want.name}`, () => createRole(aws, spec, want)));
  // A role made just now holds what it was made with; only one found is compared.
  const existing = found !== undefined;
  if (found && canonical(found.trustPolicy) !== canonical(want.trust)) {
    await changes.make('rewrite the trust policy', () =>
      aws.iam.updateAssumeRolePolicy(want.name, want.trust),
    );
  }
  if (existing) await convergePolicies(aws, want, changes);
  else
    await changes.make(`put inline policy ${CI_POLICY_NAME}`, () =>
      aws.iam.putRolePolicy(want.name, CI_POLICY_NAME, want.push),
    );
  const tags = role ? missingTags(want.tags, role.tags) : {};
  if (Object.keys(tags).length > 0) await changes.make('update tags', () => aws.iam.tagRole(want.name, tags));
  return {
    ...(role ? { roleArn: role.arn } : {}),
    providerArn: want.providerArn,
    subjects: want.subjects,
  };
}

/** Exactly the push policy: a policy added by hand is removed, one detached comes back. */
async function convergePolicies(aws: AwsClients, want: Wanted, changes: Changes): Promise<void> {
  const inline = await aws.iam.listRolePolicies(want.name);
  const current = inline.includes(CI_POLICY_NAME)
    ? await aws.iam.getRolePolicy(want.name, CI_POLICY_NAME)
    : undefined;
  if (current === undefined || canonical(current) !== canonical(want.push)) {
    await changes.make(`${current === undefined ? 'put' : 'rewrite'} inline policy ${CI_POLICY_NAME}`, () =>
      aws.iam.putRolePolicy(want.name, CI_POLICY_NAME, want.push),
    );
  }
  for (const extra of inline.filter((p) => p !== CI_POLICY_NAME)) {
    await changes.make(`delete inline policy ${extra}`, () => aws.iam.deleteRolePolicy(want.name, extra));
  }
  for (const arn of await aws.iam.listAttachedRolePolicies(want.name)) {
    await changes.make(`detach ${arn.slice(arn.lastIndexOf('/') + 1)}`, () =>
      aws.iam.detachRolePolicy(want.name, arn),
    );
  }
}

/**
 * The spec asks for no CI: the cluster's CI role goes, and the provider when nothing else trusts
 * it. The provider is looked at only when there was CI to remove (a role, or the cluster's record,
 * which outlives the role when a run stopped between the two), since that lists every role of the
 * account.
 */
async function removeCi(
  aws: AwsClients,
  cluster: string,
  changes: Changes,
  hadCi: boolean,
): Promise<CiRoleOutput> {
  const roles = await findCiRoles(aws, cluster);
  for (const r of roles) await changes.make(`delete role ${r.name}`, () => deleteCiRole(aws, r.name));
  if (roles.length > 0 || hadCi) {
    await removeGithubProviderIfUnused(
      aws,
      changes,
      roles.map((r) => r.name),
    );
  }
  return { subjects: [] };
}

async function recordedCi(aws: AwsClients, cluster: string): Promise<boolean> {
  return (await aws.eks.describeCluster(cluster))?.tags[CI_TAG] !== undefined;
}

/** The cluster's tag saying CI was declared: set with `ci`, removed without. */
async function convergeRecord(aws: AwsClients, spec: ClusterSpec, ctx: StepContext, changes: Changes) {
  const cluster = await aws.eks.describeCluster(spec.name);
  const recorded = cluster?.tags[CI_TAG];
  const arn = () => cluster?.arn ?? ctx.need(CLUSTER).arn;
  if (spec.ci !== undefined && recorded !== 'github') {
    await changes.make('record CI on the cluster', () => aws.eks.tagResource(arn(), { [CI_TAG]: 'github' }));
  } else if (spec.ci === undefined && recorded !== undefined) {
    await changes.make('remove the CI record from the cluster', () => aws.eks.untagResource(arn(), [CI_TAG]));
  }
}

function checkRole(cluster: string, role: IamRole): void {
  assertOwned('IAM role', role.name, role.tags, cluster);
  if (role.tags[CI_TAG] === undefined) {
    throw userError('GITOPS_CONFLICT', `IAM role ${role.name} is gitops's but not a CI role`, {
      hint: 'delete that role and run again',
    });
  }
}

async function createRole(aws: AwsClients, spec: ClusterSpec, want: Wanted): Promise<IamRole> {
  try {
    return await aws.iam.createRole(
      want.name,
      want.trust,
      `gitops: GitHub Actions of ${spec.ci?.github.repositories.join(', ')} push images for cluster ${spec.name}`,
      want.tags,
      CI_PATH,
    );
  } catch (e) {
    // Another run made it first: converge that one.
    if (!hasAwsCode(e, 'EntityAlreadyExists')) throw e;
    const role = await aws.iam.getRole(want.name);
    if (!role) throw e;
    checkRole(spec.name, role);
    return role;
  }
}

/** The cluster's CI roles: under the CI path, tagged for the cluster. */
export async function findCiRoles(aws: AwsClients, cluster: string): Promise<IamRole[]> {
  const names = await aws.iam.listRoles(CI_PATH);
  const roles = await Promise.all(names.map((n) => aws.iam.getRole(n)));
  return roles.filter((r): r is IamRole => r !== undefined && isOwned(r.tags, cluster));
}

export async function deleteCiRole(aws: AwsClients, name: string): Promise<void> {
  const names = await aws.iam.listRolePolicies(name).catch((e: unknown) => {
    if (isNotFound(e)) return [];
    throw e;
  });
  for (const p of names) await ignoreNotFound(aws.iam.deleteRolePolicy(name, p));
  await ignoreNotFound(aws.iam.deleteRole(name));
}

function canonical(doc: string): string {
  try {
    return canonicalPolicy(JSON.parse(doc));
  } catch {
    return doc;
  }
}

/** Teardown: the cluster's CI role, then the provider when gitops made it and nothing trusts it. */
export function ciTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    // Destroy always looks at the provider: a run stopped after the role went must still remove it.
    await removeCi(aws, cluster, changes, true);
    return changes;
  };
  return {
    id: 'aws:iam:ci',
    title: 'delete the CI role',
    dependsOn,
    async observe(ctx) {
      const changes = await converge(ctx, false);
      return { inSync: changes.none, summary: changes.summary('no CI role of ours') };
    },
    async apply(ctx) {
      const changes = await converge(ctx, true);
      return { result: 'deleted', summary: changes.summary('') };
    },
  };
}
