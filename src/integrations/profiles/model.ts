/**
 * The profile format (`profiles/<name>/profile.yaml`): what a stack runs (components, whose
 * manifests sit in the layer folders controllers/, configs/ and apps/) and what it needs from AWS
 * (node groups, add-ons, ECR repositories, and the Pod Identity roles of the components that call
 * AWS).
 */
import { z } from 'zod';
import { logicalBucketName } from '../../spec/bucket.js';
import { managedPolicyArn, serviceAccountRef } from '../../spec/identity.js';
import { addonSchema, ecrRepositorySchema, nodeGroupSchema } from '../../spec/schema.js';

export const PROFILE_API_VERSION = 'gitops.dev/v1alpha1';

/**
 * Names every profile can use without declaring them; filled in from the cluster spec. `quote`
 * is a double quote: `${quote}${name}${quote}` keeps a value a string through Flux's post-build
 * substitution whatever it looks like (Flux's documented idiom for numbers and booleans).
 */
export const BUILTIN_PARAMETERS = [
  'cluster',
  'region',
  'accountId',
  'ecrRegistry',
  'partition',
  'quote',
] as const;
export type BuiltinParameter = (typeof BUILTIN_PARAMETERS)[number];

export const profileName = z
  .string({ error: 'expected a string' })
  .max(63, { error: 'must be at most 63 characters' })
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lowercase letters, digits and "-"' });

export const parameterSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an identifier (letters, digits, "_")' })
    .refine((n) => !(BUILTIN_PARAMETERS as readonly string[]).includes(n), {
      error: `is a built-in parameter (${BUILTIN_PARAMETERS.join(', ')}) and cannot be redeclared`,
    }),
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  description: z.string().default(''),
  /** No default means the cluster spec must set it. */
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/** Custom resource kinds of one API group that a component's release installs. */
export const providedApiSchema = z.strictObject({
  group: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, {
    error: 'must be an API group such as flagger.app',
  }),
  kinds: z
    .array(z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { error: 'must be a kind such as Canary' }))
    .min(1, { error: 'list at least one kind' }),
});

export const componentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Pinned chart or app version. */
  version: z.string().min(1),
  namespace: z.string().optional(),
  /** The HelmRelease that installs it (default: the component's name), for `provides`. */
  release: z.string().min(1).optional(),
  /**
   * The CRDs its release installs. Objects of these kinds may be used in the layers after the one
   * holding the release (a layer's kinds must exist before Flux applies it).
   */
  provides: z.array(providedApiSchema).default([]),
});

/**
 * ECR repository names in a profile may use `${cluster}` (two clusters built from the same
 * profile in one account must not share, and then delete, each other's repositories). The name is
 * checked against ECR's rules after substitution, in the effective cluster spec.
 */
export const profileEcrRepositorySchema = ecrRepositorySchema.extend({
  name: z
    .string()
    .min(2)
    .max(256)
    .regex(/^[a-z0-9._/${}A-Za-z-]+$/, { error: 'is not a valid ECR repository name template' }),
  /**
   * The string parameter holding the full image reference the profile's workloads run from this
   * repository: image automation (`imageAutomation` in the cluster spec) sets it to the newest
   * `main-<unix seconds>-<sha7>` tag CI pushed.
   */
  imageParameter: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a parameter name' })
    .optional(),
  /**
   * For workloads that take an image's name and tag apart (a chart's `image.name` and
   * `image.tag`): the string parameter holding the tag. `imageParameter` then holds the name
   * only, and the automation sets each part (Flux's `:name` and `:tag` setters).
   */
  tagParameter: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a parameter name' })
    .optional(),
});

/**
 * An in-cluster component that calls AWS: its service account gets a role of its own through EKS
 * Pod Identity with these policies and no others. Inline policies are JSON files of the profile
 * (`policies/<name>.json`, the file name naming the policy); placeholders `${partition}`,
 * `${accountId}`, `${region}`, `${cluster}` and the profile's parameters scope them.
 */
export const profileIdentitySchema = z
  .strictObject({
    serviceAccount: serviceAccountRef,
    description: z.string().default(''),
    /** The EKS add-on that runs this service account: the add-on's podIdentityAssociations carry it. */
    addon: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'is not an EKS add-on name' })
      .optional(),
    managedPolicies: z.array(managedPolicyArn).default([]),
    inlinePolicies: z
      .array(
        z.string().regex(/^policies\/[\w+=,.@-]{1,128}\.json$/, {
          error: 'must be a file policies/<name>.json of the profile (the name is the policy name)',
        }),
      )
      .default([]),
  })
  .refine((i) => i.managedPolicies.length + i.inlinePolicies.length > 0, {
    error: 'declares no policy (give managedPolicies, inlinePolicies or both)',
  });

/**
 * A Secret bootstrap creates in the cluster with random values, once: the credential a component
 * needs (Redis' password, JupyterHub's shared passwords) never goes through Git, and a re-run
 * keeps the values the workloads already use.
 */
export const profileSecretSchema = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'is not a namespace name' }),
  name: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'is not a Secret name' }),
  description: z.string().default(''),
  /** Each key gets 32 random bytes, base64url (43 characters). */
  keys: z
    .array(z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: 'is not a Secret key' }))
    .min(1, { error: 'list at least one key' }),
});

/**
 * An S3 bucket the profile's components keep data in. Bootstrap creates it for the cluster
 * (encrypted, public access blocked, versioned, tagged as ours) under a name made from the
 * account, region, cluster and this logical name (spec/bucket.ts); `variable` holds that name in
 * the manifests (through the cluster's values) and in identity policies, so a role can be limited
 * to the bucket. Destroy empties and deletes it unless --keep-data.
 */
export const profileBucketSchema = z.strictObject({
  name: logicalBucketName,
  description: z.string().default(''),
  variable: z
    .string({ error: 'expected a string' })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an identifier (letters, digits, "_")' })
    .refine((n) => !(BUILTIN_PARAMETERS as readonly string[]).includes(n), {
      error: `is a built-in parameter (${BUILTIN_PARAMETERS.join(', ')})`,
    }),
});

export const profileSchema = z.strictObject({
  apiVersion: z.literal(PROFILE_API_VERSION).default(PROFILE_API_VERSION),
  kind: z.literal('Profile').default('Profile'),
  name: profileName,
  description: z.string().min(1, { error: 'must not be empty' }),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: 'must be a version such as 1.0.0' }),
  includes: z.array(profileName).default([]),
  components: z.array(componentSchema).default([]),
  parameters: z.array(parameterSchema).default([]),
  nodeGroups: z.array(nodeGroupSchema).default([]),
  addons: z.array(addonSchema).default([]),
  ecrRepositories: z.array(profileEcrRepositorySchema).default([]),
  identities: z.array(profileIdentitySchema).default([]),
  secrets: z.array(profileSecretSchema).default([]),
  // No default: a profile without buckets parses as it did before they existed, so the digests
  // of versions already released (which cover the parsed profile) do not change.
  buckets: z.array(profileBucketSchema).optional(),
});

export type Profile = z.output<typeof profileSchema>;
export type ProfileParameter = z.output<typeof parameterSchema>;
export type ProfileComponent = z.output<typeof componentSchema>;
export type ProvidedApi = z.output<typeof providedApiSchema>;
export type ProfileIdentity = z.output<typeof profileIdentitySchema>;
export type ProfileSecret = z.output<typeof profileSecretSchema>;
export type ProfileBucket = z.output<typeof profileBucketSchema>;
export type ParameterValue = string | number | boolean;
