/**
 * AWS's own rules for the spec fields that become AWS parameters, checked when the spec is read so
 * that a value AWS would refuse is exit 2 naming the file, the field and the rule, before anything
 * exists. Without them the refusal comes from the API call, after the VPC, the roles and the fleet
 * commit (or, for an access entry, after the ~9-minute cluster create).
 *
 * Sources: botocore's service models (botocore/data/<service>/<version>/service-2.json.gz, read
 * from botocore 1.43: eks 2017-11-01, iam 2010-05-08, ecr 2015-09-21, ec2 2016-11-15) and AWS's
 * documentation, cited where each rule is used. Limits AWS lets an account raise (nodes per node
 * group) are not here: they are read from Service Quotas before a run (integrations/aws).
 */
import type { z } from 'zod';

type Ctx = z.core.$RefinementCtx;
const issue = (ctx: Ctx, path: PropertyKey[], message: string) =>
  ctx.addIssue({ code: 'custom', path, message });

// ------------------------------------------------------------------------------------ tags

/**
 * Tag rules every service we tag agrees with, so one spec value is valid on every resource:
 * IAM's tagKeyType/tagValueType (1-128 / 0-256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`), EC2's
 * Tag.Key ("a maximum of 127 Unicode characters", the shortest), EKS's TagMap ("Maximum number
 * of tags per resource - 50"; "Do not use aws: ... as a prefix for either keys or values").
 */
export const TAG_LIMITS = { maxKey: 127, maxValue: 256, perResource: 50 } as const;
const IAM_TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * The most tags gitops itself puts on one resource: a subnet carries Name, gitops.dev/tier,
 * gitops.dev/az, the load balancer role tag, kubernetes.io/cluster/<name> and the two ownership
 * tags (integrations/aws/network/layout.ts; a test keeps the two in step).
 */
export const OWN_TAGS_PER_RESOURCE = 7;
const OWN_TAG_KEYS = new Set([
  'Name',
  'gitops.dev/tier',
  'gitops.dev/az',
  'gitops.dev/cluster',
  'gitops.dev/managed-by',
  'kubernetes.io/role/elb',
  'kubernetes.io/role/internal-elb',
]);

export function checkTags(tags: Record<string, string>, ctx: Ctx): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || [...key].length > TAG_LIMITS.maxKey)
      issue(ctx, [key], `tag keys are 1-${TAG_LIMITS.maxKey} characters (EC2's limit; IAM allows 128)`);
    else if (!IAM_TAG_CHARS.test(key))
      issue(
        ctx,
        [key],
        "tag keys may hold only letters, digits, spaces and _ . : / = + - @ (IAM's tag pattern)",
      );
    else if (/^aws:/i.test(key)) issue(ctx, [key], "the aws: prefix is reserved for AWS's own tags");
    if ([...value].length > TAG_LIMITS.maxValue)
      issue(ctx, [key], `tag values are at most ${TAG_LIMITS.maxValue} characters`);
    else if (!IAM_TAG_CHARS.test(value))
      issue(
        ctx,
        [key],
        "tag values may hold only letters, digits, spaces and _ . : / = + - @ (IAM's tag pattern)",
      );
    else if (/^aws:/i.test(value))
      issue(ctx, [key], 'the aws: prefix is reserved for AWS (EKS refuses it in tag values)');
  }
  const own = (k: string) => OWN_TAG_KEYS.has(k) || k.startsWith('kubernetes.io/cluster/');
  const count = Object.keys(tags).filter((k) => !own(k)).length;
  if (count + OWN_TAGS_PER_RESOURCE > TAG_LIMITS.perResource) {
    issue(
      ctx,
      [],
      `${count} tags plus the ${OWN_TAGS_PER_RESOURCE} gitops puts on a subnet make ${count + OWN_TAGS_PER_RESOURCE}; AWS allows ${TAG_LIMITS.perResource} per resource, so at most ${TAG_LIMITS.perResource - OWN_TAGS_PER_RESOURCE} here`,
    );
  }
}

// ------------------------------------------------------------------------------- node groups

/**
 * EKS CreateNodegroup: labelKey and labelValue are 1-63 characters (so no empty value), taintKey
 * 1-63 and taintValue 0-63 (botocore's eks model); at most 50 taints per node group (EKS User
 * Guide, "Node taints on managed node groups", as the Terraform provider documents it); 0-20
 * instance types (the model's documentation of instanceTypes); a root volume no smaller than the
 * EKS AMIs' 20 GiB snapshot (EKS answers "Volume of size 10GB is smaller than snapshot ...,
 * expect size>= 20GB", cilium/cilium#43051) and no larger than an EBS gp2/gp3 volume (16 TiB).
 */
export const NODEGROUP_LIMITS = {
  labelKey: 63,
  labelValue: 63,
  taintKey: 63,
  taintValue: 63,
  taints: 50,
  instanceTypes: 20,
  minDiskGiB: 20,
  maxDiskGiB: 16384,
} as const;

/** Kubernetes' label syntax: optional DNS-subdomain prefix and '/', then the name. */
const K8S_LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const K8S_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function checkLabels(labels: Record<string, string>, ctx: Ctx): void {
  const max = NODEGROUP_LIMITS.labelKey;
  for (const [key, value] of Object.entries(labels)) {
    if (key.length > max)
      issue(ctx, [key], `label keys are at most ${max} characters on EKS (CreateNodegroup labels)`);
    else if (!K8S_LABEL_KEY.test(key)) issue(ctx, [key], 'is not a valid Kubernetes label key');
    if (value.length === 0)
      issue(
        ctx,
        [key],
        `must not be empty: EKS takes label values of 1-${NODEGROUP_LIMITS.labelValue} characters`,
      );
    else if (value.length > NODEGROUP_LIMITS.labelValue)
      issue(ctx, [key], `label values are at most ${NODEGROUP_LIMITS.labelValue} characters on EKS`);
    else if (!K8S_LABEL_VALUE.test(value)) issue(ctx, [key], 'is not a valid Kubernetes label value');
  }
}

export function checkTaint(t: { key: string; value?: string | undefined }, ctx: Ctx): void {
  if (t.key.length > NODEGROUP_LIMITS.taintKey)
    issue(ctx, ['key'], `taint keys are at most ${NODEGROUP_LIMITS.taintKey} characters on EKS`);
  else if (!K8S_LABEL_KEY.test(t.key)) issue(ctx, ['key'], 'is not a valid taint key');
  if (t.value !== undefined && t.value.length > NODEGROUP_LIMITS.taintValue)
    issue(ctx, ['value'], `taint values are at most ${NODEGROUP_LIMITS.taintValue} characters on EKS`);
  else if (t.value !== undefined && !K8S_LABEL_VALUE.test(t.value))
    issue(ctx, ['value'], 'is not a valid taint value');
}

/**
 * EKS published Amazon Linux 2 AMIs up to Kubernetes 1.32: "AWS is not releasing an EKS-optimized
 * Amazon Linux 2 AMI for Kubernetes 1.33" (EKS User Guide, Kubernetes versions). Undefined when the
 * AMI type suits the version.
 */
export const LAST_AL2_MINOR = 32;
export function al2Problem(amiType: string, version: string): string | undefined {
  if (!amiType.startsWith('AL2_')) return undefined;
  const minor = Number(version.split('.')[1]);
  if (!(minor > LAST_AL2_MINOR)) return undefined;
  const instead =
    amiType === 'AL2_ARM_64'
      ? 'AL2023_ARM_64_STANDARD'
      : amiType === 'AL2_x86_64_GPU'
        ? 'AL2023_x86_64_NVIDIA'
        : 'AL2023_x86_64_STANDARD';
  return `EKS publishes no Amazon Linux 2 AMIs for Kubernetes ${version} (the last is 1.${LAST_AL2_MINOR}); use ${instead}`;
}

// ------------------------------------------------------------------------------ IAM, ECR

/**
 * IAM user and role ARNs as EKS access entries take them: IAM's userNameType/roleNameType
 * (`[\w+=,.@-]`, 1-64) after an optional path (pathType: `/` or `/` + `\u0021-\u007E` + `/`, at
 * most 512). Not STS sessions: "You can't use the STS session principal type with access entries"
 * (CreateAccessEntry principalArn, botocore's eks model) - and EKS only says so after the cluster
 * exists.
 */
const IAM_PRINCIPAL =
  /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/(?:([\u0021-\u007E]{1,510})\/)?([\w+=,.@-]{1,64})$/;
const STS_SESSION = /^arn:(aws[a-z-]*):sts::(\d{12}):(assumed-role|federated-user)\/([\w+=,.@-]+)/;

export function principalProblem(
  arn: string,
  kinds: readonly ('user' | 'role')[] = ['user', 'role'],
): string | undefined {
  const session = STS_SESSION.exec(arn);
  if (session) {
    const [, partition, account, kind, name] = session;
    return kind === 'assumed-role'
      ? `is an STS session ARN; EKS access entries take the role itself: arn:${partition}:iam::${account}:role/${name} (with the role's path, if it has one)`
      : 'is an STS federated-user session; EKS access entries take IAM users and roles';
  }
  const m = IAM_PRINCIPAL.exec(arn);
  if (!m || !kinds.includes(m[1] as 'user' | 'role'))
    return `is not an IAM ${kinds.join(' or ')} ARN (arn:aws:iam::<account>:${kinds[0]}/[path/]<name>, name 1-64 of letters, digits and _+=,.@-)`;
  return undefined;
}

/** ECR's RepositoryName (botocore's ecr model): 2-256 characters; `-+` between parts allows `a--b`. */
export const ECR_REPOSITORY_NAME =
  /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

// --------------------------------------------------------------------------- endpoint access

/**
 * The cluster's public API endpoint may be limited to these CIDR blocks: at most 40 ("Public
 * endpoint access CIDR ranges per cluster", EKS service quotas, not adjustable), none holding
 * reserved addresses ("The block cannot include reserved addresses", EKS User Guide, "Configure
 * network access to cluster API server endpoint"). An empty list turns the public endpoint off,
 * which needs the private one ("You must enable private access to disable public access").
 */
export const MAX_PUBLIC_CIDRS = 40;
const RESERVED: [string, number, string][] = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

export function cidrProblem(cidr: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32)
    return 'is not an IPv4 CIDR block such as 203.0.113.5/32';
  const ip = ipv4(octets);
  const network = (ip & mask(prefix)) >>> 0;
  if (network !== ip) return `has host bits set; the block is ${dotted(network)}/${prefix}`;
  if (prefix === 0) return undefined;
  for (const [base, bits, what] of RESERVED) {
    const b = ipv4(base.split('.').map(Number));
    // Only a block inside a reserved range is refused: 0.0.0.0/0, which holds them all, is EKS's
    // own default, so a block that merely contains one is not known to be refused.
    if (prefix >= bits && (ip & mask(bits)) >>> 0 === b)
      return `holds only ${what} addresses, which EKS refuses for public access`;
  }
  return undefined;
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
const ipv4 = (o: number[]) => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
