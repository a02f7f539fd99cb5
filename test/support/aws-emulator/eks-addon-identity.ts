// Pod Identity associations owned by an add-on: CreateAddon / UpdateAddon take
// `podIdentityAssociations` (service account + role) and EKS creates the associations in the
// add-on's namespace with ownerArn = the add-on's ARN. An update replaces the whole set (an empty
// list removes them), DeleteAddon removes them unless `preserve` is set, and an add-on cannot take
// over an association that already exists (EKS User Guide, "IAM roles for Amazon EKS add-ons").

import type { EmulatorContext } from './context.js';
import { invalidParameter, resourceInUse } from './eks-common.js';
import { addAssociation, checkPodIdentityRole, findAssociation } from './eks-pod-identity.js';
import type { Addon, Cluster } from './eks-store.js';
import type { JsonInput } from './json-input.js';

/** Where an add-on's pods run and which of its service accounts may get a role. */
export interface AddonPodIdentity {
  namespace: string;
  serviceAccounts: string[];
}

export interface RequestedAssociation {
  serviceAccount: string;
  roleArn: string;
}

/** Reads and checks `podIdentityAssociations`; undefined when the request does not carry it. */
export function readAddonAssociations(
  ctx: EmulatorContext,
  c: Cluster,
  addon: { name: string; version: string; arn?: string },
  config: AddonPodIdentity | undefined,
  body: JsonInput,
): RequestedAssociation[] | undefined {
  const items = body.objs('podIdentityAssociations');
  if (items === undefined) return undefined;
  if (items.length > 0 && !config) {
    throw invalidParameter(`Pod Identity feature is not supported for addon version: ${addon.version}`);
  }
  const seen = new Set<string>();
  const out = items.map((i) => ({
    serviceAccount: i.required('serviceAccount'),
    roleArn: i.required('roleArn'),
  }));
  for (const r of out) {
    if (!config?.serviceAccounts.includes(r.serviceAccount)) {
      throw invalidParameter(
        `Service account ${r.serviceAccount} in pod identity configuration is not supported for addon ${addon.name}`,
      );
    }
    if (seen.has(r.serviceAccount)) {
      throw invalidParameter(`Service account ${r.serviceAccount} is listed more than once.`);
    }
    seen.add(r.serviceAccount);
    checkPodIdentityRole(ctx, r.roleArn);
    const existing = findAssociation(c, config.namespace, r.serviceAccount);
    if (existing && (addon.arn === undefined || existing.ownerArn !== addon.arn)) {
      throw resourceInUse(
        `Pod identity association ${existing.id} already exists for service account ${config.namespace}/${r.serviceAccount}; an add-on cannot take it over.`,
        { clusterName: c.name, addonName: addon.name },
      );
    }
  }
  return out;
}

/** Makes the add-on's owned associations exactly `wanted` (roles updated in place). */
export function applyAddonAssociations(
  ctx: EmulatorContext,
  c: Cluster,
  addon: Addon,
  config: AddonPodIdentity,
  wanted: RequestedAssociation[],
): void {
  const owned = [...c.podIdentityAssociations.values()].filter((a) => a.ownerArn === addon.arn);
  for (const a of owned) {
    if (!wanted.some((w) => w.serviceAccount === a.serviceAccount)) c.podIdentityAssociations.delete(a.id);
  }
  for (const w of wanted) {
    const current = owned.find((a) => a.serviceAccount === w.serviceAccount);
    if (current) {
      if (current.roleArn !== w.roleArn) {
        current.roleArn = w.roleArn;
        current.modifiedAt = ctx.clock.now();
      }
      continue;
    }
    addAssociation(ctx, c, {
      namespace: config.namespace,
      serviceAccount: w.serviceAccount,
      roleArn: w.roleArn,
      tags: {},
      fingerprint: '',
      ownerArn: addon.arn,
    });
  }
}

export function deleteOwnedAssociations(c: Cluster, addon: Addon): void {
  for (const a of [...c.podIdentityAssociations.values()]) {
    if (a.ownerArn === addon.arn) c.podIdentityAssociations.delete(a.id);
  }
}
