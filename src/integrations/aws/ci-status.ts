/**
 * `gitops status` for the CI identity, read from AWS alone: the cluster's CI role (found by tag
 * under /gitops-ci/), whom its trust policy admits, where it may push, whether it still holds
 * what bootstrap gave it (the digest tag), and whether GitHub's provider is there.
 */
import { GITHUB_OIDC_HOST } from '../../spec/ci.js';
import { findGithubProvider } from './ci-oidc.js';
import { CI_POLICIES_TAG, CI_POLICY_NAME, CI_TAG, ciPolicyDigest, findCiRoles } from './ci-role.js';
import type { AwsClients } from './clients.js';
import type { Tags } from './ports.js';

export interface CiStatus {
  provider?: string;
  role?: string;
  /** The `sub` patterns the role trusts (repo:<owner>/<repo>:<context>). */
  subjects: string[];
  /** ECR repository names the role may push to. */
  pushTo: string[];
  /** The role holds exactly the trust and permissions bootstrap gave it. */
  inSync: boolean;
  problems: string[];
}

/** Undefined when the cluster has no CI: no role and no record of one. */
export async function ciStatus(
  aws: AwsClients,
  cluster: string,
  clusterTags: Tags,
): Promise<CiStatus | undefined> {
  const [roles, provider] = await Promise.all([findCiRoles(aws, cluster), findGithubProvider(aws)]);
  const declared = clusterTags[CI_TAG] !== undefined;
  const role = roles[0];
  if (!role && !declared) return undefined;
  const problems: string[] = [];
  if (!provider) problems.push(`ci: the account has no OpenID Connect provider for ${GITHUB_OIDC_HOST}`);
  if (!role) {
    problems.push('ci: bootstrap declared a CI role, and it is gone');
    return {
      ...(provider ? { provider: provider.arn } : {}),
      subjects: [],
      pushTo: [],
      inSync: false,
      problems,
    };
  }
  const push = (await aws.iam.getRolePolicy(role.name, CI_POLICY_NAME)) ?? '';
  const [inline, attached] = await Promise.all([
    aws.iam.listRolePolicies(role.name),
    aws.iam.listAttachedRolePolicies(role.name),
  ]);
  const exact = push !== '' && inline.length === 1 && attached.length === 0;
  const inSync = exact && digestOf(role.trustPolicy, push) === role.tags[CI_POLICIES_TAG];
  if (!inSync) problems.push(`ci: role ${role.name} holds other trust or permissions than bootstrap gave it`);
  if (provider && !role.trustPolicy.includes(provider.arn))
    problems.push(`ci: role ${role.name} does not trust ${provider.arn}`);
  return {
    ...(provider ? { provider: provider.arn } : {}),
    role: role.arn,
    subjects: trustedSubjects(role.trustPolicy),
    pushTo: pushTargets(push),
    inSync,
    problems,
  };
}

function digestOf(trust: string, push: string): string | undefined {
  try {
    return ciPolicyDigest(trust, push);
  } catch {
    return undefined;
  }
}

function trustedSubjects(trust: string): string[] {
  const out: string[] = [];
  for (const s of statements(trust)) {
    for (const block of Object.values(record(s['Condition']))) {
      const v = record(block)[`${GITHUB_OIDC_HOST}:sub`];
      out.push(...(Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]));
    }
  }
  return out.sort();
}

function pushTargets(push: string): string[] {
  const out: string[] = [];
  for (const s of statements(push)) {
    const resources = s['Resource'];
    for (const r of Array.isArray(resources) ? resources : [resources]) {
      const m = /:repository\/(.+)$/.exec(String(r));
      if (m) out.push(m[1]!);
    }
  }
  return out.sort();
}

function statements(doc: string): Record<string, unknown>[] {
  try {
    const s = record(JSON.parse(doc))['Statement'];
    return (Array.isArray(s) ? s : [s]).map(record);
  } catch {
    return [];
  }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
