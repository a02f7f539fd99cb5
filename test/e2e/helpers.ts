/** What e2e tests share: running the built CLI against the sandbox, and reading the emulator. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { inject } from 'vitest';
import { type KubeClient, kubeClientFromKubeconfig } from '../../src/integrations/kube/client.js';
import type { CallRecord, EmulatorState } from '../support/aws-emulator/index.js';
import { gitopsBin, sandboxBootstrapArgs } from '../support/cli.js';

export const sandbox = () => inject('sandbox');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function gitops(
  args: string[],
  opts: { env?: Record<string, string>; killAfterMs?: number; killSignal?: NodeJS.Signals } = {},
): Promise<Run> {
  const env = { ...process.env, ...sandbox().env, CI: 'true', NO_COLOR: '1', ...opts.env };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [gitopsBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer =
      opts.killAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill(opts.killSignal ?? 'SIGKILL'), opts.killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export async function createFleetRepo(name: string): Promise<{ url: string; dir: string }> {
  const dir = join(sandbox().gitRoot, `${name}.git`);
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  await simpleGit(dir).raw(['config', 'http.receivepack', 'true']);
  return { url: `${sandbox().gitUrl}/${name}.git`, dir };
}

export async function commitCount(bareDir: string): Promise<number> {
  const out = await simpleGit(bareDir)
    .raw(['rev-list', '--count', 'main'])
    .catch(() => '0');
  return Number(out.trim());
}

export async function emulator<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${sandbox().emulatorUrl}/_emulator/${path}`, init);
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`);
  return (await res.json()) as T;
}

type TagList = { Key?: string; Value?: string; key?: string; value?: string }[];

function tagsOf(tags: Record<string, string> | TagList): Record<string, string> {
  if (!Array.isArray(tags)) return tags;
  return Object.fromEntries(tags.map((t) => [t.Key ?? t.key ?? '', t.Value ?? t.value ?? '']));
}

/**
 * What an ml-profile cluster holds in AWS: one of each, the profile's 3 node groups, 2 ECR
 * repositories, the MLflow bucket, and 8 roles (cluster, node, and the Pod Identity roles of the
 * load balancer controller, cluster-autoscaler, EBS CSI driver, Flux's image reflector, MLflow and
 * the sample model).
 */
export const ML_TAGGED = {
  vpcs: 1,
  clusters: 1,
  nodegroups: 3,
  // cluster, node, and the Pod Identity roles: load balancer controller, autoscaler, EBS CSI,
  // Flux's image reflector, MLflow, the sample model
  roles: 8,
  ecr: 2,
  buckets: 1,
  natGateways: 1,
  internetGateways: 1,
};

/** Every live resource tagged for the cluster, counted by kind. */
export async function taggedFor(cluster: string): Promise<Record<string, number>> {
  const s = await emulator<EmulatorState>('state');
  const mine = (r: { tags: Record<string, string> | TagList }) =>
    tagsOf(r.tags)['gitops.dev/cluster'] === cluster;
  const live = (r: { state: string }) => !['deleted', 'terminated', 'released'].includes(r.state);
  const count: Record<string, number> = {};
  const add = (k: string, n: number) => {
    if (n > 0) count[k] = n;
  };
  for (const [kind, list] of Object.entries(s.ec2)) add(kind, list.filter((r) => mine(r) && live(r)).length);
  add('roles', s.iam.roles.filter((r) => mine({ tags: r.Tags as TagList })).length);
  add('ecr', s.ecr.repositories.filter((r) => mine(r)).length);
  add('buckets', s.s3.buckets.filter((b) => mine({ tags: (b.Tags ?? []) as TagList })).length);
  const clusters = s.eks.clusters.filter((c) => mine(c));
  add('clusters', clusters.length);
  add('nodegroups', clusters.flatMap((c) => c.nodegroups).length);
  add('addons', clusters.flatMap((c) => c.addons).length);
  return count;
}

/** Mutating AWS calls (anything but Describe/List/Get, and S3's HeadBucket) since a time. */
export async function mutatingCallsSince(at: number): Promise<string[]> {
  const calls = await emulator<CallRecord[]>('calls');
  return calls
    .filter((c) => c.at >= at && !/^(Describe|List|Get|Head)/.test(c.operation))
    .map((c) => c.operation);
}

export interface AuditedWrite {
  user: string;
  verb: string;
  uri: string;
  code: number;
}

/**
 * Writes to the apiserver since a time made by anyone but the sandbox itself: not the stand-in
 * (gitops-admin, the test env's static token) and not the apiserver (system:*). In the sandbox
 * that leaves the CLI, which reaches the cluster with EKS tokens.
 */
export function cliWritesSince(at: number): AuditedWrite[] {
  const writes: AuditedWrite[] = [];
  for (const line of readFileSync(sandbox().auditLog, 'utf8').split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as {
      stage: string;
      verb: string;
      requestURI: string;
      user: { username: string };
      requestReceivedTimestamp: string;
      responseStatus?: { code: number };
    };
    if (event.stage !== 'ResponseComplete') continue;
    if (Date.parse(event.requestReceivedTimestamp) < at) continue;
    const user = event.user.username;
    if (user === 'gitops-admin' || user.startsWith('system:')) continue;
    writes.push({ user, verb: event.verb, uri: event.requestURI, code: event.responseStatus?.code ?? 0 });
  }
  return writes;
}

export function admin(): Promise<KubeClient> {
  return kubeClientFromKubeconfig({ env: process.env, path: sandbox().adminKubeconfig });
}

export function bootstrapArgs(
  cluster: string,
  profile: string,
  fleetUrl: string,
  extra: string[] = [],
): string[] {
  return sandboxBootstrapArgs({ profile, cluster, fleetUrl, env: sandbox().env }, extra);
}

/** Clones a fleet repo, lets `change` edit the work tree, commits and pushes as another writer. */
export async function pushAsSomeoneElse(
  url: string,
  message: string,
  change: (dir: string) => Promise<void>,
): Promise<string> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'gitops-e2e-writer-'));
  try {
    const git = simpleGit(dir);
    await git.clone(url, dir);
    await change(dir);
    await git.add('.');
    await git.raw([
      '-c',
      'user.name=someone',
      '-c',
      'user.email=someone@example.com',
      'commit',
      '--quiet',
      '-m',
      message,
    ]);
    await git.push('origin', 'main');
    return (await git.revparse(['HEAD'])).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns true or the time is up. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}
