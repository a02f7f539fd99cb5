// Shared setup for the provisioning tests: the emulator, our real clients pointed at it, an
// ml-like cluster spec, and ways to run plans and inspect what the emulator holds.
import { type AwsClients, createAwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { CLUSTER_TAG } from '../../src/integrations/aws/tags.js';
import { teardownSteps } from '../../src/integrations/aws/teardown.js';
import { RecordingSink } from '../support/recording-sink.js';
import { buildPlan, type Step } from '../../src/primitives/plan.js';
import { type PlanReport, runPlan } from '../../src/primitives/runner.js';
import { type ClusterSpec, type ClusterSpecInput, clusterSpecSchema } from '../../src/spec/schema.js';
import {
  type EmulatorOptions,
  type EmulatorState,
  type RunningEmulator,
  startAwsEmulator,
} from '../support/aws-emulator/index.js';

/** 9-minute clusters take 0.54 s, node groups 0.24 s, add-ons 60 ms, NAT gateways 120 ms. */
export const SCALE = 0.001;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startAwsEmulator({ timeScale: SCALE, seed: 7, ...options });
}

export function clientsFor(
  emu: RunningEmulator,
  overrides: { timeScale?: number; requestTimeoutMs?: number } = {},
): AwsClients {
  return createAwsClients({
    region: emu.region,
    endpoint: emu.url,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    timeScale: overrides.timeScale ?? SCALE,
    ...(overrides.requestTimeoutMs ? { requestTimeoutMs: overrides.requestTimeoutMs } : {}),
  });
}

/** The ml profile's node groups, add-on and repositories, merged into a spec as the caller does. */
export function mlSpec(name: string, overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return withVersion({
    name,
    region: 'us-west-2',
    kubernetesVersion: '1.33',
    profile: { source: 'ml' },
    fleet: { url: 'file:///tmp/fleet.git' },
    network: { availabilityZones: 3, natGateways: 'single' },
    nodeGroups: [
      {
        name: 'cpu',
        instanceTypes: ['m6i.2xlarge', 'm5.2xlarge'],
        minSize: 1,
        desiredSize: 2,
        maxSize: 6,
        diskSize: 100,
        labels: { 'gitops.dev/role': 'cpu' },
      },
      {
        name: 'gpu',
        instanceTypes: ['g5.xlarge', 'g5.2xlarge'],
        amiType: 'AL2023_x86_64_NVIDIA',
        minSize: 0,
        desiredSize: 1,
        maxSize: 4,
        diskSize: 200,
        labels: { 'gitops.dev/role': 'gpu', 'nvidia.com/gpu.present': 'true' },
        taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
      },
    ],
    addons: [{ name: 'aws-ebs-csi-driver' }],
    ecrRepositories: [
      { name: `${name}/notebook`, scanOnPush: true, keepImages: 50 },
      { name: `${name}/model-server`, scanOnPush: true, immutableTags: true },
    ],
    tags: { team: 'research' },
    ...overrides,
  });
}

/** The same cluster in EKS Auto Mode, as the bootstrap use case makes it (no node groups, no
 * add-ons that Auto Mode replaces). */
export function autoSpec(name: string, overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return mlSpec(name, { compute: 'auto', nodeGroups: [], addons: [], ...overrides });
}

export interface RunOptions {
  signal?: AbortSignal;
  sink?: RecordingSink;
  timeoutMs?: number;
}

export async function run(name: string, steps: Step[], options: RunOptions = {}): Promise<PlanReport> {
  return runPlan(buildPlan(name, steps), {
    sink: options.sink ?? new RecordingSink(),
    concurrency: 16,
    deadline: Date.now() + (options.timeoutMs ?? 60_000),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export function provision(spec: ClusterSpec, aws: AwsClients, options: RunOptions = {}) {
  return run('provision', provisionSteps(spec, aws), options);
}

export function teardown(name: string, aws: AwsClients, options: RunOptions & { force?: boolean } = {}) {
  return run('teardown', teardownSteps({ name }, aws, { force: options.force ?? false }), options);
}

/** Throws with the failing steps' errors, so a failed run explains itself in the test output. */
export function expectOk(report: PlanReport): PlanReport {
  if (!report.ok) {
    const failed = report.steps
      .filter((s) => s.result === 'failed')
      .map((s) => `${s.id}: ${s.error?.message}`)
      .join('\n');
    throw new Error(`plan ${report.plan} failed:\n${failed || report.error?.message}`);
  }
  return report;
}

type Tagged = { tags?: unknown };

function tagsOf(r: Tagged): Record<string, string> {
  if (Array.isArray(r.tags)) {
    return Object.fromEntries((r.tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
  }
  return (r.tags as Record<string, string> | undefined) ?? {};
}

export function isTaggedFor(r: Tagged, cluster: string): boolean {
  return tagsOf(r)[CLUSTER_TAG] === cluster;
}

/** Every live resource in the emulator that carries our cluster tag, by kind. */
export function taggedResources(state: EmulatorState, cluster: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (kind: string, id: string) => {
    out[kind] ??= [];
    out[kind].push(id);
  };
  for (const c of state.eks.clusters) {
    if (isTaggedFor(c, cluster)) add('cluster', c.name);
    for (const n of c.nodegroups) if (isTaggedFor(n, cluster)) add('nodegroup', n.nodegroupName);
    for (const a of c.addons) if (isTaggedFor(a, cluster)) add('addon', a.addonName);
    for (const e of c.accessEntries) if (isTaggedFor(e, cluster)) add('accessEntry', e.principalArn);
  }
  for (const r of state.ecr.repositories) if (isTaggedFor(r, cluster)) add('ecr', r.repositoryName);
  for (const r of state.iam.roles) if (isTaggedFor({ tags: r.Tags }, cluster)) add('role', r.RoleName);
  for (const [kind, list] of Object.entries(state.ec2)) {
    for (const r of list) {
      if (kind === 'natGateways' && r.state === 'deleted') continue;
      if (isTaggedFor(r, cluster)) add(kind, r.id);
    }
  }
  return out;
}

/** What `mlSpec` provisions when complete (3 zones, one NAT gateway): one of everything. */
export const ML_COMPLETE = {
  cluster: 1,
  nodegroup: 2,
  addon: 5,
  ecr: 2,
  role: 2,
  vpcs: 1,
  subnets: 6,
  internetGateways: 1,
  routeTables: 4,
  addresses: 1,
  natGateways: 1,
};

export function count(state: EmulatorState, cluster: string): Record<string, number> {
  return Object.fromEntries(Object.entries(taggedResources(state, cluster)).map(([k, v]) => [k, v.length]));
}

/** Operations whose name says they create something. */
export function createCalls(emu: RunningEmulator): string[] {
  return emu
    .calls()
    .filter((c) => /^(Create|Allocate|Associate|Attach|Put|Tag|Modify|Update|Replace)/.test(c.operation))
    .map((c) => `${c.service}:${c.operation}`);
}

/** A parsed spec with its Kubernetes version chosen, as the bootstrap use case makes it. */
function withVersion(input: ClusterSpecInput): ClusterSpec {
  const parsed = clusterSpecSchema.parse(input);
  return { ...parsed, kubernetesVersion: parsed.kubernetesVersion ?? '1.33' };
}
