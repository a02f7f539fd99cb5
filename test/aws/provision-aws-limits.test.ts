// Issue #19, the AWS side: inputs AWS refuses, and where gitops stops them. The `by` column says
// where: 'spec' when reading the spec (src/spec/aws-limits.ts, AWS's models and docs), 'preflight'
// when checked against the account's AWS before any change (src/integrations/aws/preflight.ts:
// instance types, zones, quotas, which only AWS can answer), 'aws' when only the failing API call
// says so. A row that is 'aws' runs the product's own provisioning steps against the emulator,
// which refuses what AWS refuses. Rows move from 'aws' to 'spec' or 'preflight' as gitops learns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { checkAgainstAws } from '../../src/integrations/aws/preflight.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import {
  type ClusterSpec,
  type ClusterSpecInput,
  clusterSpecSchema,
  type RequestedSpec,
} from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, createCalls, expectOk, provision, startEmulator } from './fixtures.js';

/** Every row names its version: the default is EKS's, chosen by the bootstrap use case. */
const resolved = (s: RequestedSpec): ClusterSpec => ({
  ...s,
  kubernetesVersion: s.kubernetesVersion ?? '1.33',
});

type NodeGroupInput = NonNullable<ClusterSpecInput['nodeGroups']>[number];

const cpu: NodeGroupInput = {
  name: 'cpu',
  instanceTypes: ['m5.large'],
  minSize: 1,
  desiredSize: 1,
  maxSize: 2,
};

function spec(
  name: string,
  over: Partial<ClusterSpecInput> = {},
): ReturnType<typeof clusterSpecSchema.safeParse> {
  return clusterSpecSchema.safeParse({
    name,
    region: 'us-west-2',
    kubernetesVersion: '1.33',
    profile: { source: 'ml' },
    fleet: { url: 'file:///tmp/fleet.git' },
    nodeGroups: [cpu],
    ...over,
  });
}

/** The base cluster plus one more node group (created with CreateNodegroup). */
const withGroup = (extra: Partial<NodeGroupInput>) =>
  spec('base', { nodeGroups: [cpu, { ...cpu, name: 'extra', ...extra }] });

interface Row {
  input: string;
  spec: () => ReturnType<typeof clusterSpecSchema.safeParse>;
  by: 'aws' | 'preflight' | 'spec';
  /** What AWS (the emulator) answers, or the spec's error: part of the message. */
  says: RegExp;
}

const ROWS: Row[] = [
  {
    input: 'an ARM type with an x86 AMI type',
    spec: () => withGroup({ instanceTypes: ['t4g.medium'] }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.instanceTypes: t4g\.medium is arm64, but amiType AL2023_x86_64_STANDARD runs on x86_64/,
  },
  {
    input: 'an AL2 AMI type with no version asked (chosen: 1.33)',
    spec: () =>
      spec('base', {
        kubernetesVersion: undefined,
        nodeGroups: [cpu, { ...cpu, name: 'extra', amiType: 'AL2_x86_64' }],
      }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.amiType: AL2_x86_64: EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1\.33/,
  },
  {
    input: 'an assumed-role session as cluster admin',
    spec: () =>
      spec('base', { access: { adminPrincipals: ['arn:aws:sts::123456789012:assumed-role/Admin/jane'] } }),
    by: 'spec',
    says: /is an STS session ARN; EKS access entries take the role itself: arn:aws:iam::123456789012:role\/Admin/,
  },
  {
    input: 'instance type foo.bar',
    spec: () => withGroup({ instanceTypes: ['foo.bar'] }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.instanceTypes: foo\.bar is not an EC2 instance type in us-west-2/,
  },
  {
    input: 'a 70-character label key',
    spec: () => withGroup({ labels: { ['k'.repeat(70)]: 'v' } }),
    by: 'spec',
    says: /label keys are at most 63 characters on EKS/,
  },
  {
    input: 'an empty label value',
    spec: () => withGroup({ labels: { team: '' } }),
    by: 'spec',
    says: /must not be empty: EKS takes label values of 1-63 characters/,
  },
  {
    input: '60 taints',
    spec: () =>
      withGroup({
        taints: Array.from({ length: 60 }, (_, i) => ({
          key: `t${i}`,
          value: 'v',
          effect: 'NoSchedule' as const,
        })),
      }),
    by: 'spec',
    says: /EKS takes at most 50 taints per node group/,
  },
  {
    input: '25 instance types',
    spec: () => withGroup({ instanceTypes: Array.from({ length: 25 }, () => 'm5.large') }),
    by: 'spec',
    says: /EKS takes at most 20 instance types per node group/,
  },
  {
    input: 'maxSize 5000',
    spec: () => withGroup({ maxSize: 5000 }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.maxSize: 5000 is above the account's 450 nodes per managed node group \(Service Quotas eks L-BD136A63\)/,
  },
  {
    input: 'diskSize 1',
    spec: () => withGroup({ diskSize: 1 }),
    by: 'spec',
    says: /must be at least 20 GiB, the size of the EKS AMIs' root snapshot/,
  },
  {
    input: 'an AL2 AMI on Kubernetes 1.33',
    spec: () => withGroup({ amiType: 'AL2_x86_64' }),
    by: 'spec',
    says: /EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1\.33/,
  },
  {
    input: 'a GPU AMI on a non-GPU type',
    spec: () => withGroup({ amiType: 'AL2023_x86_64_NVIDIA' }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.instanceTypes: m5\.large has no NVIDIA GPU, which amiType AL2023_x86_64_NVIDIA is made for/,
  },
  {
    input: 'a type some of the three zones lack (p4d)',
    spec: () => withGroup({ instanceTypes: ['p4d.24xlarge'], amiType: 'AL2023_x86_64_NVIDIA' }),
    by: 'preflight',
    says: /nodeGroups\[extra\]\.instanceTypes: p4d\.24xlarge is not offered in us-west-2c, one of the cluster's zones \(us-west-2a, us-west-2b, us-west-2c\); it is offered in us-west-2a, us-west-2b/,
  },
  {
    input: '55 tags',
    spec: () =>
      spec('tagged', { tags: Object.fromEntries(Array.from({ length: 55 }, (_, i) => [`k${i}`, 'v'])) }),
    by: 'spec',
    says: /55 tags plus the 7 gitops puts on a subnet make 62; AWS allows 50 per resource/,
  },
  {
    input: "a tag value IAM's pattern refuses ('a|b')",
    spec: () => spec('piped', { tags: { owner: 'a|b' } }),
    by: 'spec',
    says: /tag values may hold only letters, digits, spaces and _ \. : \/ = \+ - @ \(IAM's tag pattern\)/,
  },
];

describe('inputs AWS refuses are refused (issue #19)', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    const base = spec('base');
    if (!base.success) throw base.error;
    expectOk(await provision(resolved(base.data), aws));
  }, 120_000);
  afterAll(() => emu.stop());

  it.each(ROWS)('$input: refused by $by', async (row) => {
    const parsed = row.spec();
    if (row.by === 'spec') {
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message).join('\n')).toMatch(row.says);
      return;
    }
    if (!parsed.success)
      throw new Error(`the spec now refuses it (move the row to 'spec'): ${parsed.error.message}`);
    if (row.by === 'preflight') {
      emu.clearCalls();
      const error = await checkAgainstAws(aws, resolved(parsed.data), new RecordingSink()).catch(
        (e: unknown) => e,
      );
      expect(isGitopsError(error) && error.exitCode).toBe(2);
      const lines = isGitopsError(error) ? [error.message, ...error.details].join('\n') : String(error);
      expect(lines).toMatch(row.says);
      expect(createCalls(emu)).toEqual([]);
      return;
    }
    const report = await provision(resolved(parsed.data), aws);
    expect(report.ok).toBe(false);
    const messages = report.steps
      .filter((s) => s.result === 'failed')
      .map((s) => `${s.id}: ${s.error?.message}`)
      .join('\n');
    expect(messages).toMatch(row.says);
    if (process.env.SHOW_REFUSALS) console.log(`${row.input}\n${messages}\n`);
  });
});
