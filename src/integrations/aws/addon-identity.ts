/**
 * The Pod Identity associations an EKS add-on owns: set with CreateAddon / UpdateAddon
 * `podIdentityAssociations` (EKS creates them in the add-on's namespace and removes them with the
 * add-on), compared here with the identities declared for the add-on. Only add-ons that have a
 * declared identity are managed this way; others keep whatever they have.
 */
import { userError } from '../../primitives/errors.js';
import type { StepContext } from '../../primitives/plan.js';
import { identityKey, type WorkloadIdentity } from '../../spec/identity.js';
import type { AwsClients } from './clients.js';
import { ignoreNotFound } from './errors.js';
import { identityRoleName, identityRoleRef } from './identity-role.js';
import { describeAssociations, isOurAssociation } from './pod-identity.js';
import type { AddonIdentity, EksAddon, PodIdentityAssociation } from './ports.js';

/** What differs between the add-on's associations and the declared ones; empty when in sync. */
export async function addonIdentityDrift(
  aws: AwsClients,
  cluster: string,
  addon: EksAddon,
  declared: readonly WorkloadIdentity[],
): Promise<string[]> {
  if (declared.length === 0) return [];
  const live = await Promise.all(
    addon.podIdentityAssociations.map((arn) =>
      aws.eks.describePodIdentityAssociation(cluster, arn.slice(arn.lastIndexOf('/') + 1)),
    ),
  );
  const drift: string[] = [];
  for (const i of declared) {
    const role = identityRoleName(cluster, i.namespace, i.serviceAccount);
    const found = live.find((a) => a?.serviceAccount === i.serviceAccount);
    if (!found?.roleArn?.endsWith(`/${role}`)) drift.push(`${i.serviceAccount} -> ${role}`);
  }
  for (const a of live) {
    if (a && !declared.some((i) => i.serviceAccount === a.serviceAccount))
      drift.push(`drop ${a.serviceAccount}`);
  }
  return drift;
}

/** The add-on's associations as CreateAddon / UpdateAddon take them (role ARNs from the role steps). */
export function addonIdentities(ctx: StepContext, declared: readonly WorkloadIdentity[]): AddonIdentity[] {
  return declared.map((i) => ({
    serviceAccount: i.serviceAccount,
    roleArn: ctx.need(identityRoleRef(i)).arn,
  }));
}

/**
 * Associations for the add-on's declared service accounts that the add-on does not own. EKS will
 * not hand such a service account to the add-on (UpdateAddon and CreateAddon answer
 * ResourceInUseException), so ours (tagged for the cluster, or naming its identity role: made by
 * hand for our role, or by an earlier run before the identity moved into the add-on) are returned
 * for the add-on step to delete first. Anyone else's is refused before any change, as for the
 * identities no add-on owns (pod-identity.ts): it is not ours to delete.
 */
export async function standaloneAssociations(
  aws: AwsClients,
  cluster: string,
  addonName: string,
  addon: EksAddon | undefined,
  declared: readonly WorkloadIdentity[],
): Promise<PodIdentityAssociation[]> {
  if (declared.length === 0) return [];
  const described = await describeAssociations(
    aws,
    cluster,
    (a) =>
      (addon === undefined || a.ownerArn !== addon.arn) &&
      declared.some((i) => i.namespace === a.namespace && i.serviceAccount === a.serviceAccount),
  );
  const ours: PodIdentityAssociation[] = [];
  for (const a of described) {
    const key = identityKey(a);
    if (a.ownerArn !== undefined) {
      const owner = a.ownerArn.split('/')[2] ?? a.ownerArn;
      throw userError(
        'GITOPS_CONFLICT',
        `the Pod Identity association of ${key} belongs to add-on ${owner}; add-on ${addonName} cannot take it over`,
        { hint: `declare the identity with "addon: ${owner}", or remove it from add-on ${owner}` },
      );
    }
    if (!isOurAssociation(a, cluster)) {
      throw userError(
        'GITOPS_CONFLICT',
        `a Pod Identity association made outside gitops gives ${key} the role ${a.roleArn ?? '(unknown)'}; add-on ${addonName} cannot take it over`,
        {
          hint: `delete that association (aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${a.id}), or drop the identity from the profile and gitops.yaml`,
        },
      );
    }
    ours.push(a);
  }
  return ours;
}

/** What the add-on step says it will do about them. */
export function standaloneText(associations: readonly PodIdentityAssociation[]): string[] {
  return associations.map((a) => `delete the association of ${identityKey(a)} made outside the add-on`);
}

export async function deleteStandalone(
  aws: AwsClients,
  cluster: string,
  associations: readonly PodIdentityAssociation[],
): Promise<void> {
  await Promise.all(
    associations.map((a) => ignoreNotFound(aws.eks.deletePodIdentityAssociation(cluster, a.id))),
  );
}
