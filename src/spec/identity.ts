/**
 * Workload identities: an in-cluster service account that calls AWS gets its own IAM role
 * through EKS Pod Identity, with exactly the policies declared for it. A profile declares them
 * (inline policies as JSON files of the profile) and the cluster spec may add or override them by
 * service account (inline policies written into gitops.yaml). Both resolve to `WorkloadIdentity`,
 * the form provisioning works from.
 */
import { z } from 'zod';

/** `namespace/serviceAccount`, both Kubernetes names (EKS checks the same). */
export const serviceAccountRef = z
  .string({ error: 'expected "namespace/serviceAccount"' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: 'must be "namespace/serviceAccount" with Kubernetes names (lowercase letters, digits, "-")',
  })
  .refine((s) => s.split('/')[0]!.length <= 63 && s.split('/')[1]!.length <= 253, {
    error: 'namespace is at most 63 characters, a service account name at most 253',
  });

/** An AWS managed (or customer managed) policy ARN; `${partition}` may stand for the partition. */
export const managedPolicyArn = z
  .string()
  .regex(/^arn:(aws[a-z-]*|\$\{partition\}):iam::(aws|\d{12}|\$\{accountId\}):policy\/[\w+=,.@/-]+$/, {
    error:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the placeholder syntax
      'is not an IAM policy ARN such as arn:${partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
  });

/** IAM's inline policy names. */
export const inlinePolicyName = z
  .string()
  .regex(/^[\w+=,.@-]{1,128}$/, { error: 'must be 1-128 letters, digits or + = , . @ _ -' });

const addonName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'is not an EKS add-on name' });

/** One identity in gitops.yaml: inline policies are written into the spec itself. */
export const specIdentitySchema = z.strictObject({
  serviceAccount: serviceAccountRef,
  /** The EKS add-on whose service account this is: associated through the add-on. */
  addon: addonName.optional(),
  managedPolicies: z.array(managedPolicyArn).default([]),
  inlinePolicies: z
    .array(
      z.strictObject({
        name: inlinePolicyName,
        /** Checked against IAM's grammar once its placeholders are filled in (profiles/identities). */
        document: z.record(z.string(), z.unknown()),
      }),
    )
    .default([]),
});

export type SpecIdentity = z.output<typeof specIdentitySchema>;

/** An identity with every placeholder filled in and every document checked. */
export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
  /** Set when EKS's add-on owns the association (CreateAddon / UpdateAddon podIdentityAssociations). */
  addon?: string;
  /** Sorted, each once. */
  managedPolicyArns: string[];
  /** Sorted by name; documents as compact JSON. */
  inlinePolicies: { name: string; document: string }[];
}

export function identityKey(i: Pick<WorkloadIdentity, 'namespace' | 'serviceAccount'>): string {
  return `${i.namespace}/${i.serviceAccount}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
