/** Runs the built CLI as a real process (the way users and CI run it). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const gitopsBin = fileURLToPath(new URL('../../bin/gitops.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): CliRun {
  const r = spawnSync(process.execPath, [gitopsBin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `gitops bootstrap` of a sandbox cluster, non-interactive; `extra` flags go last. */
export function sandboxBootstrapArgs(
  o: { profile: string; cluster: string; fleetUrl: string; env: Record<string, string> },
  extra: string[] = [],
): string[] {
  const region = o.env['AWS_REGION'] ?? 'us-west-2';
  return [
    'bootstrap',
    '--profile',
    o.profile,
    '--cluster',
    o.cluster,
    '--region',
    region,
    '--git-url',
    o.fleetUrl,
    '--yes',
    ...extra,
  ];
}

/** A stack trace looks like "    at fn (file:line:col)". */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text);
}
