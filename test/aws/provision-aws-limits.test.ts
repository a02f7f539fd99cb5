// Issue #19, the AWS side: inputs the cluster spec accepts today but AWS refuses. Each row is a
// spec that parses, run through the product's own provisioning steps against the emulator, which
// now refuses what AWS refuses (from AWS's models and the checks the models cannot express). The
// `by` column says where the input is stopped today; when the spec learns a limit, its row moves
// from 'aws' to 'spec' (and the user gets told before anything is created).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import {
  type ClusterSpec,
  type ClusterSpecInput,
  clusterSpecSchema,
  type RequestedSpec,
} from '../../src/spec/schema.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, expectOk, provision, startEmulator } from './fixtures.js';

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
  by: 'aws' | 'spec';
  /** What AWS (the emulator) answers, or the spec's error: part of the message. */
  says: RegExp;
}

const ROWS: Row[] = [
  {
    input: 'instance type foo.bar',
    spec: () => withGroup({ instanceTypes: ['foo.bar'] }),
    by: 'aws',
    says: /The following supplied instance types do not exist: \[foo\.bar\]/,
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
    by: 'aws',
    says: /exceeds the 450 nodes/,
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
    by: 'aws',
    says: /\[m5\.large\] is not a valid instance type for requested amiType AL2023_x86_64_NVIDIA/,
  },
  {
    input: 'a type some of the three zones lack (p4d)',
    spec: () => withGroup({ instanceTypes: ['p4d.24xlarge'], amiType: 'AL2023_x86_64_NVIDIA' }),
    by: 'aws',
    says: /Your requested instance type \(p4d\.24xlarge\) is not supported in your requested Availability Zone \(us-west-2c\)/,
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
