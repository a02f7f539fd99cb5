/**
 * The Pod Identity associations an EKS add-on owns: set with CreateAddon / UpdateAddon
 * `podIdentityAssociations` (EKS creates them in the add-on's namespace and removes them with the
 * add-on), compared here with the identities declared for the add-on. Only add-ons that have a
 * declared identity are managed this way; others keep whatever they have.
 */
import type { StepContext } from '../../primitives/plan.js';
import type { WorkloadIdentity } from '../../spec/identity.js';
import type { AwsClients } from './clients.js';
import { identityRoleName, identityRoleRef } from './identity-role.js';
import type { AddonIdentity, EksAddon } from './ports.js';

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
