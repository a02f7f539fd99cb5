/**
 * The standalone AWS emulator (test/support/aws-emulator/main.ts) in its own process, so its CPU
 * is not counted against what a benchmark measures, as AWS is not in our process either.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunningEmulator } from '../support/aws-emulator/index.js';

export type EmulatorHandle = Pick<
  RunningEmulator,
  'url' | 'region' | 'accountId' | 'accessKeyId' | 'secretAccessKey'
>;

/** Starts main.ts with `args`; it prints one JSON line, then serves until SIGTERM. */
export async function startEmulatorProcess(
  args: string[],
): Promise<{ emu: EmulatorHandle; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/aws-emulator/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`aws-emulator exited with ${code}`)));
  });
  lines.close();
  const emu = JSON.parse(first) as EmulatorHandle;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { emu, stop };
}

/** One call to the emulator's admin API (`/_emulator/...`), JSON in and out. */
export async function admin(
  emu: EmulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}
