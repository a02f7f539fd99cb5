/**
 * The cluster spec (`gitops.yaml`): the declarative description of one cluster. It is what
 * `bootstrap` builds from, what the fleet repo records as `clusters/<name>/cluster.yaml`, and
 * what `bootstrap --from-git` rebuilds from. The rules are EKS's own where EKS has them.
 */
import { z } from 'zod';
import { CLUSTER_NAME_MAX_LENGTH, CLUSTER_NAME_PATTERN, REGION_NAME_PATTERN } from './names.js';
import {
  al2Problem,
  checkLabels,
  checkTaint,
  checkTags,
  cidrProblem,
  ECR_REPOSITORY_NAME,
  MAX_PUBLIC_CIDRS,
  NODEGROUP_LIMITS,
  principalProblem,
} from './aws-limits.js';
import { ciSchema, ciSizeProblem } from './ci.js';
import { specIdentitySchema } from './identity.js';
import { autoModeSpecProblems, computeMode, DEFAULT_COMPUTE } from './compute.js';

export const SPEC_API_VERSION = 'gitops.dev/v1alpha1';
export const DEFAULT_FLUX_VERSION = '2.9.6';

const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: 'expected a list' }).min(1, { error: 'expected a non-empty list' });

export const clusterName = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .max(CLUSTER_NAME_MAX_LENGTH, { error: `must be at most ${CLUSTER_NAME_MAX_LENGTH} characters` })
  .regex(CLUSTER_NAME_PATTERN, {
    error: 'must start with a letter or digit and contain only letters, digits, "-" and "_"',
  });

/** AWS region names: us-west-2, eu-central-1, ap-southeast-4, us-gov-west-1, cn-north-1. */
export const regionName = z.string({ error: 'expected a string' }).regex(REGION_NAME_PATTERN, {
  error: 'is not an AWS region name (for example us-west-2)',
});

export const kubernetesVersion = z
  .string({ error: 'expected a string such as "1.34" (quote it in YAML)' })
  .regex(/^1\.\d{2}$/, { error: 'must be a Kubernetes minor version such as "1.34"' });

export const taintSchema = z
  .strictObject({
    key: z.string().min(1, { error: 'must not be empty' }),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  })
  .superRefine(checkTaint);

export const nodeGroupSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(63, { error: 'must be at most 63 characters' })
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, { error: 'must contain only letters, digits, "-" and "_"' }),
    instanceTypes: nonEmptyList(
      z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'is not an EC2 instance type' }),
    ).max(NODEGROUP_LIMITS.instanceTypes, {
      error: `EKS takes at most ${NODEGROUP_LIMITS.instanceTypes} instance types per node group`,
    }),
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
    diskSize: z
      .number()
      .int()
      .min(NODEGROUP_LIMITS.minDiskGiB, {
        error: `must be at least ${NODEGROUP_LIMITS.minDiskGiB} GiB, the size of the EKS AMIs' root snapshot`,
      })
      .max(NODEGROUP_LIMITS.maxDiskGiB, { error: 'must be at most 16384 GiB (an EBS volume)' })
      .default(50),
    labels: z.record(z.string(), z.string()).superRefine(checkLabels).default({}),
    taints: z
      .array(taintSchema)
      .max(NODEGROUP_LIMITS.taints, {
        error: `EKS takes at most ${NODEGROUP_LIMITS.taints} taints per node group`,
      })
      .default([]),
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
  /**
   * The add-on's advanced configuration (EKS's configurationValues, checked by EKS against the
   * add-on version's schema): vpc-cni's { enableNetworkPolicy: "true" } enforces NetworkPolicies.
   */
  configuration: z.record(z.string(), z.unknown()).optional(),
});

export const ecrRepositorySchema = z.strictObject({
  name: z.string().min(2).max(256).regex(ECR_REPOSITORY_NAME, {
    error:
      'is not an ECR repository name: lowercase letters and digits, parts joined by ".", "_", "__" or dashes, "/" between namespaces',
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

const arnOf = (kinds: readonly ('user' | 'role')[]) =>
  z.string({ error: 'expected a string' }).superRefine((arn, ctx) => {
    const problem = principalProblem(arn, kinds);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const roleArn = arnOf(['role']);
const principalArn = arnOf(['user', 'role']);

/** Who may reach the cluster's API endpoint; the defaults keep it reachable from a laptop. */
export const accessSchema = z
  .strictObject({
    adminPrincipals: z.array(principalArn).default([]),
    /** CIDR blocks allowed to the public endpoint; [] turns the public endpoint off. */
    publicCidrs: z
      .array(
        z.string().superRefine((cidr, ctx) => {
          const problem = cidrProblem(cidr);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .max(MAX_PUBLIC_CIDRS, { error: `EKS allows at most ${MAX_PUBLIC_CIDRS} public access CIDR blocks` })
      .default(['0.0.0.0/0']),
    /** The private endpoint: nodes and the VPC reach the API without leaving it. */
    privateEndpoint: z.boolean().default(true),
  })
  .superRefine((a, ctx) => {
    if (a.publicCidrs.length === 0 && !a.privateEndpoint) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateEndpoint'],
        message: 'must be true when publicCidrs is empty: EKS needs private access to turn public access off',
      });
    }
    if (new Set(a.publicCidrs).size !== a.publicCidrs.length)
      ctx.addIssue({ code: 'custom', path: ['publicCidrs'], message: 'lists a CIDR block twice' });
  });

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

/**
 * Flux notification Provider types whose whole destination is the Secret's `address` (a webhook
 * URL), which is all gitops hands over; generic-hmac also signs with the Secret's `token`. Types
 * that need a channel, a project or cloud credentials besides (telegram, pagerduty, github, ...)
 * are not offered.
 */
export const ALERT_PROVIDER_TYPES = [
  'slack',
  'msteams',
  'discord',
  'googlechat',
  'rocket',
  'generic',
  'generic-hmac',
  'alertmanager',
] as const;
export type AlertProviderType = (typeof ALERT_PROVIDER_TYPES)[number];

/** Where the reconciler's alerts go; the address itself never enters the spec (it is a secret). */
export const alertsSchema = z.strictObject({
  provider: z.enum(ALERT_PROVIDER_TYPES, {
    error: `must be one of ${ALERT_PROVIDER_TYPES.join(', ')}`,
  }),
});

export const profileRefSchema = z.strictObject({
  /** A bundled name (ml), a folder (./dir) or a git URL (https://host/repo.git//subdir#ref). */
  source: z.string().min(1),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export const clusterSpecSchema = z
  .strictObject({
    apiVersion: z.literal(SPEC_API_VERSION).default(SPEC_API_VERSION),
    kind: z.literal('Cluster').default('Cluster'),
    name: clusterName,
    region: regionName,
    /** Unset: the version EKS offers by default (DescribeClusterVersions), recorded once chosen. */
    kubernetesVersion: kubernetesVersion.optional(),
    profile: profileRefSchema,
    fleet: fleetSchema,
    /** How the cluster gets its nodes: managed node groups, or EKS Auto Mode (./compute.ts). */
    compute: computeMode.default(DEFAULT_COMPUTE),
    network: networkSchema.default({ vpcCidr: '10.0.0.0/16', availabilityZones: 3, natGateways: 'single' }),
    iam: z.strictObject({ clusterRoleArn: roleArn.optional(), nodeRoleArn: roleArn.optional() }).default({}),
    access: accessSchema.default({ adminPrincipals: [], publicCidrs: ['0.0.0.0/0'], privateEndpoint: true }),
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
    /** GitHub Actions workflows that may push images to the cluster's ECR repositories. */
    ci: ciSchema.optional(),
    /**
     * Flux's image automation, opted into: the newest `main-<unix seconds>-<sha7>` tag of each
     * profile ECR repository with an `imageParameter` is committed to the fleet by Flux with a
     * write credential of its own (from the environment, never in the spec or Git).
     */
    imageAutomation: z
      .strictObject({
        /** How often Flux scans ECR and looks for an update to commit (a Flux duration). */
        interval: z
          .string()
          .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, { error: 'must be a duration such as 5m' })
          .default('5m'),
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
    tags: z.record(z.string(), z.string()).superRefine(checkTags).default({}),
    /** Failure and drift alerts from the reconciler; the address comes from the environment. */
    alerts: alertsSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.compute === 'auto')
      for (const [path, message] of autoModeSpecProblems(spec))
        ctx.addIssue({ code: 'custom', path, message });
    if (spec.ci !== undefined) {
      const problem = ciSizeProblem(spec.ci, spec.region);
      if (problem) ctx.addIssue({ code: 'custom', path: ['ci', 'github'], message: problem });
    }
    // Known only with both fields: an AMI type EKS no longer publishes for the version asked.
    if (spec.kubernetesVersion === undefined) return;
    spec.nodeGroups.forEach((ng, i) => {
      const problem = al2Problem(ng.amiType, spec.kubernetesVersion!);
      if (problem) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'amiType'], message: problem });
    });
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
export type AlertsSpec = z.output<typeof alertsSchema>;

export function fleetPath(spec: Pick<ClusterSpec, 'name' | 'fleet'>): string {
  return spec.fleet.path ?? `clusters/${spec.name}`;
}
