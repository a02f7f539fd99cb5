/**
 * bootstrap-critical-path: wall time of `gitops bootstrap --profile ml` in the sandbox, divided by
 * the critical path (cluster create + node group create from the emulator's lifecycle durations,
 * plus the sync as measured in the same run), on a scaled clock. Goal: <= 1.05.
 * bootstrap-sequential: the same bootstrap with GITOPS_CONCURRENCY=1 (one step at a time, the
 * way `eksctl create cluster` followed by `flux bootstrap` runs), against the same baseline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_DURATIONS_MS } from '../support/aws-emulator/clock.js';
import { gitopsBin } from '../support/cli.js';
import { type Sandbox, startSandbox } from '../support/sandbox/sandbox.js';
import type { Benchmark } from './types.js';

// Fixed costs (process start, SDK loading, git, STS) do not shrink with the emulator's clock, so a
// small scale exaggerates them; 0.2 keeps a 9-minute cluster at 108 s. BENCH_TIME_SCALE overrides.
const SCALE = Number(process.env.BENCH_TIME_SCALE ?? '0.2');

interface Timed {
  wallMs: number;
  syncMs: number;
}

async function bootstrapOnce(
  sandbox: Sandbox,
  cluster: string,
  extraEnv: Record<string, string>,
): Promise<Timed> {
  const fleet = await sandbox.git.createRepo(`${cluster}.git`);
  const args = [
    '-o',
    'json',
    '--quiet',
    'bootstrap',
    '--profile',
    'ml',
    '--cluster',
    cluster,
    '--region',
    sandbox.env.AWS_REGION ?? 'us-west-2',
    '--git-url',
    fleet,
    '--yes',
  ];
  const t0 = Date.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [gitopsBin, ...args], {
      env: { ...process.env, ...sandbox.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
    });
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`bootstrap exited ${code}: ${text.slice(0, 400)}`)),
    );
  });
  const wallMs = Date.now() - t0;
  const doc = JSON.parse(out) as { steps: { id: string; durationMs: number }[] };
  const syncMs = doc.steps.find((s) => s.id === 'flux:ready')?.durationMs ?? 0;
  return { wallMs, syncMs };
}

function criticalPathMs(syncMs: number): number {
  return (AWS_DURATIONS_MS.clusterCreate + AWS_DURATIONS_MS.nodegroupCreate) * SCALE + syncMs;
}

let shared: Promise<{ parallel: Timed; sequential: Timed }> | undefined;

/** Both runs share one sandbox; measured once, reported by two benchmarks. */
function measure(): Promise<{ parallel: Timed; sequential: Timed }> {
  shared ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-bench-'));
    const sandbox = await startSandbox({ dir, timeScale: SCALE });
    try {
      const parallel = await bootstrapOnce(sandbox, 'bench-par', {});
      const sequential = await bootstrapOnce(sandbox, 'bench-seq', { GITOPS_CONCURRENCY: '1' });
      return { parallel, sequential };
    } finally {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return shared;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'bootstrap-critical-path',
    description: `bootstrap --profile ml wall time vs critical path (cluster + node group + sync), clock x${SCALE} (ms)`,
    async run() {
      const { parallel } = await measure();
      const baseline = criticalPathMs(parallel.syncMs);
      return {
        value: parallel.wallMs,
        baseline,
        unit: 'ms',
        notes: [
          `critical path = (${AWS_DURATIONS_MS.clusterCreate / 60_000} + ${AWS_DURATIONS_MS.nodegroupCreate / 60_000} min) x ${SCALE} + sync ${parallel.syncMs} ms`,
          'goal: ratio <= 1.05 (fixed costs: process start, STS, git push, Flux manifests)',
        ],
      };
    },
  },
  {
    name: 'bootstrap-sequential',
    description: `the same bootstrap one step at a time (GITOPS_CONCURRENCY=1) vs the same critical path (ms)`,
    async run() {
      const { parallel, sequential } = await measure();
      return {
        value: sequential.wallMs,
        baseline: criticalPathMs(parallel.syncMs),
        unit: 'ms',
        notes: [
          `parallel run: ${parallel.wallMs} ms; sequential is ${(sequential.wallMs / parallel.wallMs).toFixed(2)}x slower`,
        ],
      };
    },
  },
];
