/**
 * `gitops status` for workload identities, read from AWS alone: the cluster's identity roles
 * (under its path, tagged as ours), the associations that give them to service accounts, and the
 * record bootstrap left on the cluster. What a role holds is compared with the digest of what was
 * declared for it (a tag), so drift shows without the profile at hand.
 */
import { canonicalPolicy } from '../../spec/iam-policy.js';
import type { AwsClients } from './clients.js';
import {
  ADDON_TAG,
  findIdentityRoles,
  POLICIES_TAG,
  policyDigest,
  SERVICE_ACCOUNT_TAG,
} from './identity-role.js';
import { describeAssociations, IDENTITIES_TAG, identitiesRecord, isOurAssociation } from './pod-identity.js';
import type { IamRole, PodIdentityAssociation, Tags } from './ports.js';
import { isOwned } from './tags.js';

export interface IdentityStatus {
  /** namespace/serviceAccount */
  serviceAccount: string;
  addon?: string;
  roleName?: string;
  roleArn?: string;
  /** An association gives this service account this role. */
  association: boolean;
  /** The role holds exactly the policies declared for it. */
  policiesInSync: boolean;
  problems: string[];
}

export interface IdentitiesStatus {
  identities: IdentityStatus[];
  /** Problems no single identity explains (an identity missing entirely). */
  problems: string[];
}

export async function identitiesStatus(
  aws: AwsClients,
  cluster: string,
  clusterTags: Tags,
): Promise<IdentitiesStatus> {
  const [roles, associations] = await Promise.all([
    findIdentityRoles(aws, cluster).then((all) => all.filter((r) => isOwned(r.tags, cluster))),
    describeAssociations(aws, cluster).then((all) => all.filter((a) => isOurAssociation(a, cluster))),
  ]);
  const identities = await Promise.all(roles.map((r) => roleStatus(aws, r, associations)));
  // Associations whose role is gone: the identity is there in EKS and missing in IAM.
  for (const a of associations) {
    const key = `${a.namespace}/${a.serviceAccount}`;
    if (identities.some((i) => i.serviceAccount === key)) continue;
    identities.push({
      serviceAccount: key,
      ...(a.roleArn ? { roleArn: a.roleArn } : {}),
      association: true,
      policiesInSync: false,
      problems: [`identity ${key}: its role ${a.roleArn ?? ''} is gone`],
    });
  }
  identities.sort((a, b) => a.serviceAccount.localeCompare(b.serviceAccount));
  const problems: string[] = [];
  const recorded = clusterTags[IDENTITIES_TAG];
  if (recorded !== undefined && recorded !== identitiesRecord(identities.map((i) => i.serviceAccount))) {
    const expected = recorded.split(':')[0];
    problems.push(
      `identities: bootstrap declared ${expected}, AWS holds ${identities.length} (${identities.map((i) => i.serviceAccount).join(', ') || 'none'})`,
    );
  }
  return { identities, problems };
}

async function roleStatus(
  aws: AwsClients,
  role: IamRole,
  associations: readonly PodIdentityAssociation[],
): Promise<IdentityStatus> {
  const key = role.tags[SERVICE_ACCOUNT_TAG] ?? role.name;
  const [namespace, serviceAccount] = key.split('/');
  const addon = role.tags[ADDON_TAG];
  const a = associations.find((x) => x.namespace === namespace && x.serviceAccount === serviceAccount);
  const problems: string[] = [];
  const association = a?.roleArn === role.arn;
  if (!a) problems.push(`identity ${key}: no Pod Identity association gives it role ${role.name}`);
  else if (!association)
    problems.push(`identity ${key}: its association names ${a.roleArn ?? 'no role'}, not ${role.arn}`);
  const live = await livePolicies(aws, role.name);
  const policiesInSync = policyDigest(live.managed, live.inline) === role.tags[POLICIES_TAG];
  if (!policiesInSync) {
    problems.push(
      `identity ${key}: role ${role.name} holds other policies than declared (${describePolicies(live)})`,
    );
  }
  return {
    serviceAccount: key,
    ...(addon ? { addon } : {}),
    roleName: role.name,
    roleArn: role.arn,
    association,
    policiesInSync,
    problems,
  };
}

async function livePolicies(aws: AwsClients, role: string) {
  const [managed, names] = await Promise.all([
    aws.iam.listAttachedRolePolicies(role),
    aws.iam.listRolePolicies(role),
  ]);
  const inline = await Promise.all(
    names.map(async (name) => {
      const doc = (await aws.iam.getRolePolicy(role, name)) ?? '{}';
      return { name, document: canonicalPolicy(JSON.parse(doc)) };
    }),
  );
  return { managed, inline };
}

function describePolicies(live: { managed: string[]; inline: { name: string }[] }): string {
  const managed = live.managed.map((a) => a.slice(a.lastIndexOf('/') + 1));
  const parts = [...managed, ...live.inline.map((p) => `${p.name} (inline)`)];
  return parts.length > 0 ? `now: ${parts.join(', ')}` : 'now none';
}
