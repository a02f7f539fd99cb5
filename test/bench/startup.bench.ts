/**
 * CLI start time: `gitops --version` and `gitops --help` as cold processes, against a bare
 * `node -e 0` measured in the same run (median of repeated runs, interleaved so that machine
 * load affects both alike). Goal: --version at most 2x the bare node start.
 */
import { spawnSync } from 'node:child_process';
import { gitopsBin } from '../support/cli.js';
import { type Benchmark, median } from './types.js';

const RUNS = 25;

function timeOnce(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return ms;
}

function startup(name: string, cliArgs: string[]): Benchmark {
  return {
    name,
    description: `cold \`gitops ${cliArgs.join(' ')}\` vs \`node -e 0\`, median of ${RUNS} runs (ms)`,
    async run() {
      timeOnce([gitopsBin, ...cliArgs]); // warm the file cache, as a user's second run would be
      const ours: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        bare.push(timeOnce(['-e', '0']));
        ours.push(timeOnce([gitopsBin, ...cliArgs]));
      }
      const value = median(ours);
      const baseline = median(bare);
      return {
        value,
        baseline,
        unit: 'ms',
        notes: [`goal: ratio <= 2 (gitops ${median(ours).toFixed(1)} ms, node ${baseline.toFixed(1)} ms)`],
      };
    },
  };
}

export const benchmarks: Benchmark[] = [
  startup('startup-version', ['--version']),
  startup('startup-help', ['--help']),
];
