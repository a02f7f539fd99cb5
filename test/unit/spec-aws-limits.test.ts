// The spec refuses what AWS would refuse, at read time: each error names the file, the field's
// path (and line) and AWS's rule. The rules come from botocore's models and AWS's docs
// (src/spec/aws-limits.ts cites each).
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/primitives/yaml.js';
import { subnetTags } from '../../src/integrations/aws/network/layout.js';
import { cidrProblem, OWN_TAGS_PER_RESOURCE, principalProblem } from '../../src/spec/aws-limits.js';
import { buildClusterSpec } from '../../src/spec/from-flags.js';

const base = [
  'name: research',
  'region: us-west-2',
  'kubernetesVersion: "1.33"',
  'profile: { source: ml }',
  'fleet: { url: "file:///tmp/f.git" }',
];
const group = (extra: string) => [
  'nodeGroups:',
  `  - { name: extra, instanceTypes: [m5.large], minSize: 1, desiredSize: 1, maxSize: 2${extra} }`,
];

function fromYaml(lines: string[]) {
  return buildClusterSpec({ file: parseYamlText(lines.join('\n'), 'gitops.yaml'), flags: {} });
}

const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(', ');

describe('spec limits from AWS', () => {
  it.each([
    [
      'an assumed-role session as admin',
      ['access:', '  adminPrincipals: ["arn:aws:sts::123456789012:assumed-role/Admin/jane"]'],
      /gitops\.yaml: access\.adminPrincipals\[0\]: is an STS session ARN; EKS access entries take the role itself: arn:aws:iam::123456789012:role\/Admin .*\(line 7\)/,
    ],
    [
      'a group as admin',
      ['access:', '  adminPrincipals: ["arn:aws:iam::123456789012:group/admins"]'],
      /access\.adminPrincipals\[0\]: is not an IAM user or role ARN/,
    ],
    [
      'a role name over 64 characters',
      ['iam:', `  clusterRoleArn: "arn:aws:iam::123456789012:role/${'r'.repeat(65)}"`],
      /iam\.clusterRoleArn: is not an IAM role ARN/,
    ],
    [
      'a tag value with "|"',
      ['tags: { owner: "a|b" }'],
      /tags\.owner: tag values may hold only .*IAM's tag pattern/,
    ],
    ['an aws: tag key', ['tags: { "aws:owner": x }'], /tags\.aws:owner: the aws: prefix is reserved/],
    [
      'a 128-character tag key',
      [`tags: { ${'k'.repeat(128)}: v }`],
      /tag keys are 1-127 characters \(EC2's limit/,
    ],
    [
      '44 tags (plus our 7 on a subnet)',
      [`tags: { ${many(44, (i) => `k${i}: v`)} }`],
      /gitops\.yaml: tags: 44 tags plus the 7 gitops puts on a subnet make 51; AWS allows 50 per resource, so at most 43 here/,
    ],
    [
      'a 70-character label key',
      group(`, labels: { ${'k'.repeat(70)}: v }`),
      /nodeGroups\[0\]\.labels\.k+: label keys are at most 63 characters on EKS/,
    ],
    [
      'an empty label value',
      group(', labels: { team: "" }'),
      /gitops\.yaml: nodeGroups\[0\]\.labels\.team: must not be empty: EKS takes label values of 1-63 characters \(line 7\)/,
    ],
    [
      '51 taints',
      group(`, taints: [${many(51, (i) => `{ key: t${i}, effect: NoSchedule }`)}]`),
      /nodeGroups\[0\]\.taints: EKS takes at most 50 taints per node group/,
    ],
    [
      'a 64-character taint value',
      group(`, taints: [{ key: k, value: ${'v'.repeat(64)}, effect: NoSchedule }]`),
      /nodeGroups\[0\]\.taints\[0\]\.value: taint values are at most 63 characters on EKS/,
    ],
    [
      'a taint effect outside the enum',
      group(', taints: [{ key: k, effect: NoRun }]'),
      /nodeGroups\[0\]\.taints\[0\]\.effect/,
    ],
    [
      '21 instance types',
      [
        'nodeGroups:',
        `  - { name: x, instanceTypes: [${many(21, () => 'm5.large')}], minSize: 1, desiredSize: 1, maxSize: 2 }`,
      ],
      /nodeGroups\[0\]\.instanceTypes: EKS takes at most 20 instance types per node group/,
    ],
    ['diskSize 19', group(', diskSize: 19'), /nodeGroups\[0\]\.diskSize: must be at least 20 GiB/],
    [
      'an AL2 AMI type on 1.33',
      group(', amiType: AL2_x86_64'),
      /nodeGroups\[0\]\.amiType: EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1\.33 \(the last is 1\.32\); use AL2023_x86_64_STANDARD/,
    ],
    [
      'an ECR name with "a/-b"',
      ['ecrRepositories: [{ name: "a/-b" }]'],
      /ecrRepositories\[0\]\.name: is not an ECR repository name/,
    ],
    [
      'a private public-access CIDR',
      ['access: { publicCidrs: [10.1.0.0/16] }'],
      /access\.publicCidrs\[0\]: holds only private \(RFC 1918\) addresses/,
    ],
    [
      '41 public-access CIDRs',
      [`access: { publicCidrs: [${many(41, (i) => `203.0.${i}.0/24`)}] }`],
      /at most 40 public access CIDR blocks/,
    ],
    [
      'no endpoint at all',
      ['access: { publicCidrs: [], privateEndpoint: false }'],
      /access\.privateEndpoint: must be true when publicCidrs is empty/,
    ],
  ])('%s is refused', (_what, lines, message) => {
    expect(() => fromYaml([...base, ...lines])).toThrow(message);
  });

  it.each([
    ['ECR names with "--" and "__"', ['ecrRepositories: [{ name: "team--a/model__server" }]']],
    ['43 tags', [`tags: { ${many(43, (i) => `k${i}: v`)} }`]],
    ['tags that are ours anyway', [`tags: { Name: x, ${many(43, (i) => `k${i}: v`)} }`]],
    [
      'a role with a path',
      ['access: { adminPrincipals: ["arn:aws:iam::123456789012:role/teams/platform/admin"] }'],
    ],
    ['an IAM user', ['access: { adminPrincipals: ["arn:aws-us-gov:iam::123456789012:user/jane"] }']],
    [
      'a 63-character label value, an empty taint value',
      group(`, labels: { a: ${'v'.repeat(63)} }, taints: [{ key: k, value: "", effect: NoExecute }]`),
    ],
    [
      'an AL2 AMI type on 1.32',
      [
        'kubernetesVersion: "1.32"',
        'nodeGroups: [{ name: a, instanceTypes: [t4g.medium], amiType: AL2_ARM_64, minSize: 0, desiredSize: 0, maxSize: 1 }]',
      ],
    ],
    ['a private-only endpoint', ['access: { publicCidrs: [], privateEndpoint: true }']],
  ])('%s is accepted', (_what, lines) => {
    expect(() =>
      fromYaml([...base.filter((l) => !lines.some((x) => x.startsWith(l.split(':')[0]!))), ...lines]),
    ).not.toThrow();
  });

  it('defaults keep the API reachable from a laptop: public to all, and private', () => {
    expect(fromYaml(base).access).toEqual({
      adminPrincipals: [],
      publicCidrs: ['0.0.0.0/0'],
      privateEndpoint: true,
    });
  });

  it('says what a bad CIDR block or principal is', () => {
    expect(cidrProblem('203.0.113.5/24')).toBe('has host bits set; the block is 203.0.113.0/24');
    expect(cidrProblem('300.0.0.0/8')).toMatch(/not an IPv4 CIDR/);
    expect(cidrProblem('0.0.0.0/0')).toBeUndefined();
    expect(cidrProblem('172.20.0.0/16')).toMatch(/private/);
    expect(principalProblem('arn:aws:sts::123456789012:federated-user/bob')).toMatch(/federated-user/);
  });

  it('counts the tags gitops puts on a subnet, the resource it tags most', () => {
    const plan = { tier: 'public' as const, availabilityZone: 'us-west-2a', cidr: '10.0.128.0/19' };
    expect(Object.keys(subnetTags({ name: 'c', tags: {} }, plan))).toHaveLength(OWN_TAGS_PER_RESOURCE);
  });
});
