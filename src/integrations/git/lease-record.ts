/**
 * What a cluster lease says about its holder, written as the message of a lease commit in the
 * fleet repository (see ./lease.ts), and how a later run judges it: still held, released,
 * expired, or left behind by a process on this machine that no longer runs.
 *
 *     gitops lease on cluster research
 *
 *     operation: bootstrap
 *     holder: alice@ci-runner-7
 *     machine: ci-runner-7/3f1c.../pid:[4026531836]
 *     pid: 4242
 *     run: 9b0c...
 *     job: https://github.com/acme/infra/actions/runs/123
 *     acquired: 2025-06-01T10:02:11.000Z
 *     expires: 2025-06-01T10:05:11.000Z
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

export interface LeaseRecord {
  cluster: string;
  operation: string;
  /** user@host, for people. */
  holder: string;
  /** Identifies one process namespace of one booted machine; undefined when it cannot be told. */
  machine: string | undefined;
  pid: number | undefined;
  /** Unique per run: tells our own lease from anyone else's. */
  run: string;
  /** The CI job that holds it, when there is one (a link people can follow). */
  job: string | undefined;
  acquired: number;
  expires: number;
  /** Set by the holder when it is done; a released lease is free. */
  released: number | undefined;
}

export interface LocalHolder {
  holder: string;
  machine: string | undefined;
  pid: number;
  run: string;
  job: string | undefined;
}

export function localHolder(env: NodeJS.ProcessEnv): LocalHolder {
  const host = os.hostname();
  return {
    holder: `${userName(env)}@${host}`,
    machine: machineId(host),
    pid: process.pid,
    run: randomUUID(),
    job: ciJob(env),
  };
}

export function formatLease(r: LeaseRecord): string {
  const lines = [
    `gitops lease on cluster ${r.cluster}`,
    '',
    `operation: ${clean(r.operation)}`,
    `holder: ${clean(r.holder)}`,
    ...(r.machine ? [`machine: ${clean(r.machine)}`] : []),
    ...(r.pid === undefined ? [] : [`pid: ${r.pid}`]),
    `run: ${clean(r.run)}`,
    ...(r.job ? [`job: ${clean(r.job)}`] : []),
    `acquired: ${new Date(r.acquired).toISOString()}`,
    `expires: ${new Date(r.expires).toISOString()}`,
    ...(r.released === undefined ? [] : [`released: ${new Date(r.released).toISOString()}`]),
  ];
  return `${lines.join('\n')}\n`;
}

/** One line, no control characters: values come from the environment. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || 'unknown';
}

/** Undefined when the message is not a lease we can read (then nobody may assume it is free). */
export function parseLease(message: string): LeaseRecord | undefined {
  const head = /^gitops lease on cluster (\S+)/.exec(message.trim());
  if (!head) return undefined;
  const fields = new Map<string, string>();
  for (const line of message.split('\n')) {
    const m = /^([a-z]+): (.+)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!);
  }
  const time = (key: string) => {
    const v = fields.get(key);
    const t = v === undefined ? Number.NaN : Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  };
  const acquired = time('acquired');
  const expires = time('expires');
  const run = fields.get('run');
  if (acquired === undefined || expires === undefined || run === undefined) return undefined;
  const pid = Number(fields.get('pid'));
  return {
    cluster: head[1]!,
    operation: fields.get('operation') ?? 'unknown',
    holder: fields.get('holder') ?? 'unknown',
    machine: fields.get('machine'),
    pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
    run,
    job: fields.get('job'),
    acquired,
    expires,
    released: time('released'),
  };
}

/** Clocks of two machines differ a little; an expiry counts only this long after it passed. */
export const CLOCK_SKEW_MS = 30_000;

export type LeaseState = 'held' | 'released' | 'expired' | 'abandoned';

/**
 * `abandoned`: the holder ran in this very process namespace of this machine and its pid is
 * gone (a crashed or SIGKILLed run here), so there is no need to wait for the expiry. A pid that
 * runs again under another program only makes us wait for the expiry: the safe side.
 */
export function leaseState(r: LeaseRecord, now: number, local: LocalHolder): LeaseState {
  if (r.released !== undefined) return 'released';
  if (now > r.expires + CLOCK_SKEW_MS) return 'expired';
  if (r.machine !== undefined && r.machine === local.machine && r.pid !== undefined && !pidAlive(r.pid)) {
    return 'abandoned';
  }
  return 'held';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Host name plus, on Linux, the boot id and the pid namespace: two containers may share a host
 * name, and a pid only means something inside one namespace of one boot. Elsewhere the host name
 * alone (no containers sharing a pid space there).
 */
function machineId(host: string): string | undefined {
  if (process.platform !== 'linux') return host;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidns = readlinkSync('/proc/self/ns/pid');
    return `${host}/${boot}/${pidns}`;
  } catch {
    return undefined;
  }
}

function userName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env['USER'] ?? env['USERNAME'] ?? 'unknown';
  }
}

function ciJob(env: NodeJS.ProcessEnv): string | undefined {
  if (env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY'] && env['GITHUB_RUN_ID']) {
    return `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${env['GITHUB_RUN_ID']}`;
  }
  return env['CI_JOB_URL'] ?? env['BUILD_URL'] ?? undefined;
}
