/**
 * Vitest global setup of the e2e project: one sandbox for the run (each test uses its own
 * cluster name and fleet repository). Tests reach it through `inject('sandbox')`: the env the
 * CLI needs, the emulator's admin URL, an admin kubeconfig and the Git server's folder.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type SandboxInfo, sandboxInfo, startSandbox } from './sandbox.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gitops-e2e-'));
  // GITOPS_SANDBOX_LOG=<file> keeps the sandbox's log (the stand-in's decisions among them).
  const logFile = process.env.GITOPS_SANDBOX_LOG;
  const sandbox = await startSandbox({
    dir,
    timeScale: 0.005,
    ...(logFile ? { log: (l: string) => appendFileSync(logFile, `${new Date().toISOString()} ${l}\n`) } : {}),
  });
  project.provide('sandbox', sandboxInfo(sandbox));
  process.stderr.write(`sandbox: ready in ${Date.now() - started} ms (${dir})\n`);
  return async () => {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
