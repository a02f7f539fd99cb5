/**
 * What the reliability, bad-input and secrets tests share: the CLI as a process against a
 * sandbox (the e2e project's shared one, or a private one for tests that break things for
 * everyone: the emulator down, the apiserver restarted, global throttling), and the checks that
 * nothing is duplicated, orphaned or lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { CallRecord, EmulatorState } from '../support/aws-emulator/index.js';
import { gitopsBin, sandboxBootstrapArgs } from '../support/cli.js';
import { type Sandbox, type SandboxInfo, sandboxInfo, startSandbox } from '../support/sandbox/sandbox.js';

export const TINY_PROFILE = new URL('./fixtures/tiny', import.meta.url).pathname;

/** The parts of a sandbox the tests use; the shared one arrives through vitest's inject(). */
export type SandboxHandle = SandboxInfo;

export interface PrivateSandbox extends SandboxHandle {
  sandbox: Sandbox;
  stop(): Promise<void>;
}

/** A sandbox of this test file's own; `before` runs first (environment the stand-in must inherit). */
export async function privateSandbox(timeScale = 0.005): Promise<PrivateSandbox> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gitops-rel-'));
  const sandbox = await startSandbox({ dir, timeScale });
  return {
    sandbox,
    ...sandboxInfo(sandbox),
    stop: async () => {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Called with all output so far (progress goes to stdout in text mode); may signal the child. */
  watch?: (stderr: string, child: ChildProcess) => void;
  /** Safety net: SIGKILL after this long. */
  limitMs?: number;
}

export function gitops(sb: SandboxHandle, args: string[], opts: RunOptions = {}): Promise<Run> {
  const env = { ...process.env, ...sb.env, CI: 'true', NO_COLOR: '1', ...opts.env };
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [gitopsBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      opts.watch?.(stdout + stderr, child);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      opts.watch?.(stdout + stderr, child);
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), opts.limitMs ?? 240_000);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A tiny-profile bootstrap, with a 4-minute timeout so that a hang fails the case, not the file. */
export function bootstrapArgs(
  sb: SandboxHandle,
  cluster: string,
  fleetUrl: string,
  extra: string[] = [],
): string[] {
  return sandboxBootstrapArgs({ profile: TINY_PROFILE, cluster, fleetUrl, env: sb.env }, [
    '--timeout',
    '4m',
    ...extra,
  ]);
}

/** A cluster spec file for the tiny profile: two zones (fewer calls), the greeting parameter. */
export function tinyConfig(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.gitops.json`);
  const { greeting, ...rest } = extra;
  writeFileSync(
    file,
    JSON.stringify({
      network: { availabilityZones: 2 },
      profile: { source: TINY_PROFILE, parameters: { greeting: greeting ?? 'hello' } },
      ...rest,
    }),
  );
  return file;
}

export async function createFleetRepo(
  sb: SandboxHandle,
  name: string,
): Promise<{ url: string; dir: string }> {
  const dir = join(sb.gitRoot, `${name}.git`);
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  await simpleGit(dir).raw(['config', 'http.receivepack', 'true']);
  return { url: `${sb.gitUrl}/${name}.git`, dir };
}

/** Every ref and where it points: equal snapshots mean the repository did not change. */
export async function refsOf(bareDir: string): Promise<string> {
  return simpleGit(bareDir).raw(['for-each-ref', '--format=%(objectname) %(refname)']);
}

/** Subjects of the commits on main, newest first. */
export async function subjects(bareDir: string, branch = 'main'): Promise<string[]> {
  const out = await simpleGit(bareDir)
    .raw(['log', '--format=%s', branch])
    .catch(() => '');
  return out.split('\n').filter((l) => l !== '');
}

export async function emulator<T>(sb: SandboxHandle, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${sb.emulatorUrl}/_emulator/${path}`, init);
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const calls = (sb: SandboxHandle) => emulator<CallRecord[]>(sb, 'calls');
export const state = (sb: SandboxHandle) => emulator<EmulatorState>(sb, 'state');

export function setFaults(sb: SandboxHandle, rules: unknown[]): Promise<unknown> {
  return emulator(sb, 'faults', {
    method: 'PUT',
    body: JSON.stringify(rules),
    headers: { 'content-type': 'application/json' },
  });
}

export const isMutating = (c: CallRecord) =>
  !/^(Describe|List|Get|Head)/.test(c.operation) && c.operation !== 'Unknown';

type TagList = { Key?: string; Value?: string; key?: string; value?: string }[];

function tagsOf(tags: Record<string, string> | TagList | undefined): Record<string, string> {
  if (tags === undefined) return {};
  if (!Array.isArray(tags)) return tags;
  return Object.fromEntries(tags.map((t) => [t.Key ?? t.key ?? '', t.Value ?? t.value ?? '']));
}

const gone = (s: string | undefined) => ['deleted', 'terminated', 'released', 'deleting'].includes(s ?? '');

/**
 * Every live AWS resource the emulator holds, by kind, for one cluster: tagged ones, and the
 * untagged ones that belong to them (main route tables, addresses of our NAT gateways).
 * `orphans` lists anything live that belongs to no cluster's tags at all.
 */
export async function inventory(
  sb: SandboxHandle,
  cluster: string,
): Promise<{ counts: Record<string, number>; ids: Record<string, string[]> }> {
  const s = await state(sb);
  const mine = (tags: Record<string, string> | TagList | undefined) =>
    tagsOf(tags)['gitops.dev/cluster'] === cluster;
  const ids: Record<string, string[]> = {};
  const add = (kind: string, id: string) => {
    ids[kind] = [...(ids[kind] ?? []), id];
  };
  for (const [kind, list] of Object.entries(s.ec2) as [
    string,
    { id: string; state?: string; tags?: TagList }[],
  ][])
    for (const r of list) if (mine(r.tags) && !gone(r.state)) add(kind, r.id);
  for (const r of s.iam.roles) if (mine(r.Tags as TagList)) add('roles', r.RoleName);
  for (const r of s.ecr.repositories) if (mine(r.tags)) add('ecr', r.repositoryName);
  for (const c of s.eks.clusters.filter((c) => mine(c.tags))) {
    add('clusters', c.name);
    for (const n of c.nodegroups) add('nodegroups', `${c.name}/${n.nodegroupName}`);
    for (const a of c.addons) add('addons', `${c.name}/${a.addonName}`);
    for (const e of c.accessEntries) add('accessEntries', `${c.name}/${e.principalArn}`);
  }
  const counts = Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, v.length]));
  return { counts, ids };
}

/**
 * Live EC2 resources that no cluster's tags claim: a VPC, gateway, subnet, address or NAT
 * gateway made by a create whose answer was lost would show up here. Main route tables come
 * with VPCs untagged, as in AWS; they count when their VPC is gone.
 */
export async function orphans(sb: SandboxHandle): Promise<string[]> {
  const s = await state(sb);
  const claimed = (tags: TagList | undefined) => tagsOf(tags)['gitops.dev/cluster'] !== undefined;
  const liveVpcs = new Set(s.ec2.vpcs.filter((v) => !gone(v.state)).map((v) => v.id));
  const out: string[] = [];
  for (const [kind, list] of Object.entries(s.ec2) as [
    string,
    { id: string; state?: string; tags?: TagList; vpcId?: string; main?: boolean }[],
  ][]) {
    for (const r of list) {
      if (gone(r.state) || claimed(r.tags)) continue;
      if (kind === 'routeTables' && r.vpcId !== undefined && liveVpcs.has(r.vpcId)) continue;
      out.push(`${kind}/${r.id}`);
    }
  }
  for (const r of s.iam.roles) if (!claimed(r.Tags as TagList)) out.push(`roles/${r.RoleName}`);
  for (const r of s.ecr.repositories)
    if (!claimed(r.tags as unknown as TagList)) out.push(`ecr/${r.repositoryName}`);
  for (const c of s.eks.clusters) if (!claimed(c.tags as unknown as TagList)) out.push(`clusters/${c.name}`);
  return out;
}

/** What one tiny-profile cluster (two zones, one NAT gateway) holds when complete: one of everything. */
export const TINY_COMPLETE = {
  vpcs: 1,
  subnets: 4,
  internetGateways: 1,
  routeTables: 3,
  addresses: 1,
  natGateways: 1,
  roles: 2,
  ecr: 1,
  clusters: 1,
  nodegroups: 1,
  addons: 4,
  accessEntries: 1,
};

/** One line of `error: ...`, an optional `hint: ...`, and no stack trace. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^(error|hint):/.test(l));
}

/**
 * The one line that says why a run failed: `error: ...` on stderr when it stopped before its plan
 * ran (or in JSON mode), or the result's `... did not finish: ...` on stdout when a step failed.
 */
export function failureLines(run: { stdout: string; stderr: string }): string[] {
  const errors = errorLines(run.stderr).filter((l) => l.startsWith('error: '));
  const unfinished = run.stdout.split('\n').filter((l) => / did not finish: /.test(l));
  return [
    ...errors.map((l) => l.slice('error: '.length)),
    ...unfinished.map((l) => l.replace(/^.* did not finish: /, '')),
  ];
}

export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /\n\s+at /.test(text);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
