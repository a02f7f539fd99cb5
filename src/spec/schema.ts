/**
 * The cluster spec (`gitops.yaml`): the declarative description of one cluster. It is what
 * `bootstrap` builds from, what the fleet repo records as `clusters/<name>/cluster.yaml`, and
 * what `bootstrap --from-git` rebuilds from. The rules are EKS's own where EKS has them.
 */
import { z } from 'zod';
import { specIdentitySchema } from './identity.js';

export const SPEC_API_VERSION = 'gitops.dev/v1alpha1';
export const DEFAULT_FLUX_VERSION = '2.9.6';

const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: 'expected a list' }).min(1, { error: 'expected a non-empty list' });

export const clusterName = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, {
    error: 'must start with a letter or digit and contain only letters, digits, "-" and "_"',
  });

/** AWS region names: us-west-2, eu-central-1, ap-southeast-4, us-gov-west-1, cn-north-1. */
export const regionName = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, {
    error: 'is not an AWS region name (for example us-west-2)',
  });

export const kubernetesVersion = z
  .string({ error: 'expected a string such as "1.34" (quote it in YAML)' })
  .regex(/^1\.\d{2}$/, { error: 'must be a Kubernetes minor version such as "1.34"' });

const k8sLabelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const k8sLabelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const taintSchema = z.strictObject({
  key: z.string().regex(k8sLabelKey, { error: 'is not a valid taint key' }),
  value: z.string().regex(k8sLabelValue, { error: 'is not a valid taint value' }).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodeGroupSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(63, { error: 'must be at most 63 characters' })
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, { error: 'must contain only letters, digits, "-" and "_"' }),
    instanceTypes: nonEmptyList(
      z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'is not an EC2 instance type' }),
    ),
    amiType: z
      .enum([
        'AL2023_x86_64_STANDARD',
        'AL2023_ARM_64_STANDARD',
        'AL2023_x86_64_NVIDIA',
        'AL2023_x86_64_NEURON',
        'AL2_x86_64',
        'AL2_x86_64_GPU',
        'AL2_ARM_64',
        'BOTTLEROCKET_x86_64',
        'BOTTLEROCKET_ARM_64',
        'BOTTLEROCKET_x86_64_NVIDIA',
      ])
      .default('AL2023_x86_64_STANDARD'),
    capacityType: z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
    minSize: z.number().int().min(0),
    desiredSize: z.number().int().min(0),
    maxSize: z.number().int().min(1),
    diskSize: z.number().int().min(1).max(16384).default(50),
    labels: z
      .record(
        z.string().regex(k8sLabelKey, { error: 'is not a valid label key' }),
        z.string().regex(k8sLabelValue),
      )
      .default({}),
    taints: z.array(taintSchema).default([]),
  })
  .superRefine((ng, ctx) => {
    if (ng.minSize > ng.desiredSize) {
      ctx.addIssue({ code: 'custom', path: ['desiredSize'], message: `must be >= minSize (${ng.minSize})` });
    }
    if (ng.desiredSize > ng.maxSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxSize'],
        message: `must be >= desiredSize (${ng.desiredSize})`,
      });
    }
  });

export const addonSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'is not an EKS add-on name' }),
  version: z
    .string()
    .regex(/^v\d+\.\d+\.\d+(-eksbuild\.\d+)?$/, {
      error: 'must be an add-on version such as v1.19.2-eksbuild.1',
    })
    .optional(),
});

export const ecrRepositorySchema = z.strictObject({
  name: z
    .string()
    .min(2)
    .max(256)
    .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
      error: 'is not a valid ECR repository name (lowercase letters, digits, ".", "_", "-", "/")',
    }),
  scanOnPush: z.boolean().default(true),
  immutableTags: z.boolean().default(false),
  /** Keep at most this many images; older ones expire. */
  keepImages: z.number().int().min(1).max(10000).default(100),
});

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/, { error: 'must be an IPv4 CIDR between /16 and /28' });

export const networkSchema = z
  .strictObject({
    vpcCidr: cidr.default('10.0.0.0/16'),
    availabilityZones: z.number().int().min(2).max(3).default(3),
    natGateways: z.enum(['none', 'single', 'perAz']).default('single'),
    /** Bring your own: at least two subnets in two AZs; no VPC is created. */
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: 'is not a subnet id' })).optional(),
  })
  .superRefine((n, ctx) => {
    if (n.subnetIds !== undefined && n.subnetIds.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['subnetIds'],
        message: 'needs at least two subnets in two availability zones',
      });
    }
  });

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: 'is not an IAM role ARN' });
const principalArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/, { error: 'is not an IAM principal ARN' });

export const gitUrl = z.string().min(1, { error: 'must not be empty' });

export const fleetSchema = z.strictObject({
  url: gitUrl,
  branch: z
    .string()
    .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, { error: 'is not a valid branch name' })
    .default('main'),
  /** Defaults to clusters/<name>. */
  path: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, {
      error: 'must be a relative path inside the repository',
    })
    .optional(),
});

export const profileRefSchema = z.strictObject({
  /** A bundled name (ml), a folder (./dir) or a git URL (https://host/repo.git//subdir#ref). */
  source: z.string().min(1),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export const clusterSpecSchema = z.strictObject({
  apiVersion: z.literal(SPEC_API_VERSION).default(SPEC_API_VERSION),
  kind: z.literal('Cluster').default('Cluster'),
  name: clusterName,
  region: regionName,
  /** Unset: the version EKS offers by default (DescribeClusterVersions), recorded once chosen. */
  kubernetesVersion: kubernetesVersion.optional(),
  profile: profileRefSchema,
  fleet: fleetSchema,
  network: networkSchema.default({ vpcCidr: '10.0.0.0/16', availabilityZones: 3, natGateways: 'single' }),
  iam: z.strictObject({ clusterRoleArn: roleArn.optional(), nodeRoleArn: roleArn.optional() }).default({}),
  access: z
    .strictObject({ adminPrincipals: z.array(principalArn).default([]) })
    .default({ adminPrincipals: [] }),
  /** Added to (and overriding by name) what the profile asks for. */
  nodeGroups: z.array(nodeGroupSchema).default([]),
  addons: z.array(addonSchema).default([]),
  ecrRepositories: z.array(ecrRepositorySchema).default([]),
  /** Pod Identity roles, added to (and overriding by service account) the profile's. */
  identities: z
    .array(specIdentitySchema)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((i, n) => {
        if (seen.has(i.serviceAccount))
          ctx.addIssue({ code: 'custom', path: [n, 'serviceAccount'], message: 'is listed twice' });
        seen.add(i.serviceAccount);
      });
    })
    .optional(),
  reconciler: z
    .strictObject({
      kind: z.literal('flux').default('flux'),
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, { error: 'must be a version such as 2.9.6' })
        .default(DEFAULT_FLUX_VERSION),
    })
    .default({ kind: 'flux', version: DEFAULT_FLUX_VERSION }),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
});

/** The spec as asked for: the Kubernetes version may be left to EKS's default. */
export type RequestedSpec = z.output<typeof clusterSpecSchema>;
/** The spec a run works with, every choice made (the Kubernetes version included). */
export type ClusterSpec = RequestedSpec & { kubernetesVersion: string };
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
export type NodeGroupSpec = z.output<typeof nodeGroupSchema>;
export type AddonSpec = z.output<typeof addonSchema>;
export type EcrRepositorySpec = z.output<typeof ecrRepositorySchema>;
export type NetworkSpec = z.output<typeof networkSchema>;
export type Taint = z.output<typeof taintSchema>;

export function fleetPath(spec: Pick<ClusterSpec, 'name' | 'fleet'>): string {
  return spec.fleet.path ?? `clusters/${spec.name}`;
}
