/**
 * apply-flux: the real Flux distribution plus 200 generated objects, applied to a fresh local
 * kube-apiserver by a cold process running our apply engine, against `kubectl apply
 * --server-side` on the same files in the same run. Each trial starts a fresh apiserver per
 * tool (so both create everything), applies once (create) and once more (no change), and times
 * the two processes. Trials alternate which tool goes first. Goal: ours <= 0.7x kubectl.
 *
 * Our side runs as built JavaScript (bundled with esbuild, as the published CLI would run from
 * dist/), not through a TypeScript loader: transpiling is not part of the product's cost.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { FIXTURES_DIR, FLUX_FIXTURE_DIR } from '../support/kube/fixtures.js';
import { REPO_ROOT, startKubeTestenv } from '../support/kube/testenv.js';
import { type Benchmark, median } from './types.js';

const TRIALS = Number(process.env.BENCH_APPLY_TRIALS ?? 3);
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export function generatedManifests(count: number): string {
  const namespaces = ['bench-a', 'bench-b', 'bench-c', 'bench-d'];
  const docs: string[] = namespaces.map(
    (n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n  labels:\n    bench: apply-flux\n`,
  );
  for (let i = 0; docs.length < count; i++) {
    const ns = namespaces[i % namespaces.length];
    const name = `obj-${i}`;
    switch (i % 4) {
      case 0:
        docs.push(
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  index: "${i}"\n  config.yaml: |\n    replicas: ${i % 5}\n    feature: enabled\n`,
        );
        break;
      case 1:
        docs.push(
          `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - name: http\n      port: 80\n      protocol: TCP\n      targetPort: 8080\n`,
        );
        break;
      case 2:
        docs.push(
          `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    app: ${name}\n`,
        );
        break;
      default:
        docs.push(
          `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app:${i}\n          resources:\n            requests:\n              cpu: 50m\n              memory: 64Mi\n`,
        );
    }
  }
  return docs.map((d) => `---\n${d}`).join('');
}

/** CPU time (ms) from a /proc stat line: utime + stime, plus the reaped children's when asked. */
function cpuMs(statFile: string, children: boolean): number {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // fields[0] is field 3 (state): utime=14, stime=15, cutime=16, cstime=17
    const ticks = fields[11]! + fields[12]! + (children ? fields[13]! + fields[14]! : 0);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

interface Run {
  wallMs: number;
  /** CPU of the client process and of the apiserver + etcd while it ran: the work, whatever the load. */
  cpuMs: number;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv, serverPids: string[]): Run {
  const server = () => serverPids.reduce((sum, pid) => sum + cpuMs(`/proc/${pid}/stat`, false), 0);
  const client0 = cpuMs('/proc/self/stat', true);
  const server0 = server();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
  return { wallMs, cpuMs: cpuMs('/proc/self/stat', true) - client0 + server() - server0 };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'apply-flux',
    description:
      'cold-process server-side apply of Flux + 200 generated objects (create, then re-apply) vs kubectl apply --server-side (ms)',
    async run() {
      const work = mkdtempSync(join(tmpdir(), 'gitops-bench-apply-'));
      try {
        const real = join(FLUX_FIXTURE_DIR, 'gotk-components.yaml');
        const flux = existsSync(real) ? real : join(FIXTURES_DIR, 'flux-mini.yaml');
        const gen = join(work, 'generated.yaml');
        writeFileSync(gen, generatedManifests(200));
        const entry = join(work, 'apply.mjs');
        await build({
          entryPoints: [join(REPO_ROOT, 'test', 'support', 'kube', 'apply-cli.ts')],
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node20',
          outfile: entry,
          external: ['@kubernetes/client-node'],
          // yaml is CommonJS; an ESM bundle needs a real require for the node: builtins it loads.
          banner: {
            js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          },
          logLevel: 'error',
        });
        const files = [flux, gen];

        const ours = { create: [] as Run[], again: [] as Run[] };
        const theirs = { create: [] as Run[], again: [] as Run[] };
        const runTool = async (tool: 'ours' | 'kubectl') => {
          const env = await startKubeTestenv({ log: () => {} });
          try {
            const pids = ['etcd', 'kube-apiserver'].map((n) =>
              readFileSync(join(env.runDir, `${n}.pid`), 'utf8').trim(),
            );
            const vars = { ...process.env, KUBECONFIG: env.kubeconfig, HOME: join(env.runDir, 'home') };
            const cmd: [string, string[]] =
              tool === 'ours'
                ? [process.execPath, [entry, '--kubeconfig', env.kubeconfig, ...files]]
                : [
                    KUBECTL,
                    [
                      'apply',
                      '--server-side',
                      '--kubeconfig',
                      env.kubeconfig,
                      ...files.flatMap((f) => ['-f', f]),
                    ],
                  ];
            const into = tool === 'ours' ? ours : theirs;
            into.create.push(timed(cmd[0], cmd[1], vars, pids));
            into.again.push(timed(cmd[0], cmd[1], vars, pids));
          } finally {
            await env.stop();
          }
        };
        for (let t = 0; t < TRIALS; t++) {
          const order: ('ours' | 'kubectl')[] = t % 2 === 0 ? ['kubectl', 'ours'] : ['ours', 'kubectl'];
          for (const tool of order) await runTool(tool);
        }
        type Side = { create: Run[]; again: Run[] };
        const total = (side: Side, k: keyof Run) =>
          median(side.create.map((c, i) => c[k] + side.again[i]![k]));
        const med = (runs: Run[], k: keyof Run) => median(runs.map((r) => r[k])).toFixed(0);
        const value = total(ours, 'wallMs');
        const baseline = total(theirs, 'wallMs');
        return {
          value,
          baseline,
          unit: 'ms',
          notes: [
            `files: ${flux} (${existsSync(real) ? 'real Flux distribution' : 'mini bundle: real one not found'}) + 200 generated objects`,
            `ours:    create ${med(ours.create, 'wallMs')} ms, re-apply ${med(ours.again, 'wallMs')} ms wall (median of ${TRIALS})`,
            `kubectl: create ${med(theirs.create, 'wallMs')} ms, re-apply ${med(theirs.again, 'wallMs')} ms wall (median of ${TRIALS})`,
            `cpu (client + apiserver + etcd), less sensitive to machine load: ours ${total(ours, 'cpuMs').toFixed(0)} ms, ` +
              `kubectl ${total(theirs, 'cpuMs').toFixed(0)} ms, ratio ${(total(ours, 'cpuMs') / total(theirs, 'cpuMs')).toFixed(3)}`,
            `load average at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
            'goal: ratio <= 0.7',
          ],
        };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  },
];
