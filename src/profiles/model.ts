/**
 * The profile format (`profiles/<name>/profile.yaml`): what a stack runs (components, rendered
 * from `manifests/`) and what it needs from AWS (node groups, add-ons, ECR repositories).
 */
import { z } from 'zod';
import { addonSchema, ecrRepositorySchema, nodeGroupSchema } from '../core/spec.js';

export const PROFILE_API_VERSION = 'gitops.dev/v1alpha1';

export const parameterSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an identifier (letters, digits, "_")' }),
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  description: z.string().default(''),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

export const componentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Pinned chart or app version. */
  version: z.string().min(1),
  namespace: z.string().optional(),
});

export const profileSchema = z.strictObject({
  apiVersion: z.literal(PROFILE_API_VERSION).default(PROFILE_API_VERSION),
  kind: z.literal('Profile').default('Profile'),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lowercase letters, digits and "-"' }),
  description: z.string().min(1, { error: 'must not be empty' }),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: 'must be a version such as 1.0.0' }),
  includes: z.array(z.string().min(1)).default([]),
  components: z.array(componentSchema).default([]),
  parameters: z.array(parameterSchema).default([]),
  nodeGroups: z.array(nodeGroupSchema).default([]),
  addons: z.array(addonSchema).default([]),
  ecrRepositories: z.array(ecrRepositorySchema).default([]),
});

export type Profile = z.output<typeof profileSchema>;
export type ProfileParameter = z.output<typeof parameterSchema>;
export type ProfileComponent = z.output<typeof componentSchema>;
