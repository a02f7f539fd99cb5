/**
 * fleet-bootstrap-concurrent: 10 bootstraps of different clusters writing into one fleet
 * repository at once (as a CI matrix runs them, one process each), wall time against one such
 * bootstrap alone. Goal: <= 1.5. Measured is bootstrap's fleet write, the one part the ten share:
 * the cluster lease, rendering ml, the commit and the push with rebase (fleet-writer.ts), against
 * the sandbox's Git server over smart HTTP. The AWS side and the cluster side are each cluster's
 * own (in AWS and in each cluster, nothing of one waits for another); the sandbox's single
 * apiserver could not host ten Flux installs anyway. Afterwards the repository must hold every
 * cluster's commit, each pushed revision an ancestor of the tip (no force push, no lost update),
 * each cluster folder whole, and one shared copy of ml.
 * Also printed: the bytes a cluster adds to the repository on an existing profile version, not
 * counting flux-system/ (goal <= 20 KB).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { join } from 'node:path';
import { bundledVersion } from '../support/bundled-profiles.js';
import { repoRoot } from '../support/cli.js';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import { startGitHttpServer } from '../support/sandbox/git-http.js';
import { cores, cpuSecondsWithChildren } from './cpu.js';
import type { Benchmark } from './types.js';

const WRITERS = 10;

interface Written {
  revision: string;
  attempts: number;
  committed: boolean;
}

/**
 * The writer as one bundled file, started as the shipped CLI starts (dist/ is bundled the same
 * way): through tsx, each of the ten processes would spend its first second compiling TypeScript,
 * which no user's bootstrap does. Written under node_modules/.cache/, three folders below the
 * repository as test/support/kube/ is, so that the paths the test support derives from its own
 * location still point at this repository.
 */
async function bundleWriter(): Promise<string> {
  const outfile = join(repoRoot, 'node_modules', '.cache', 'gitops-bench', 'fleet-writer.mjs');
  await build({
    entryPoints: [join(repoRoot, 'test', 'bench', 'fleet-writer.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

function writer(script: string, flux: string, url: string, cluster: string): Promise<Written> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, url, cluster, flux], {
      cwd: repoRoot,
      env: { ...process.env, GITOPS_ALLOW_INSECURE_HTTP: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Written)
        : reject(new Error(`${cluster}: exit ${code}: ${err.slice(-400)}`)),
    );
  });
}

/** Wall time, and the CPU seconds everything spent meanwhile: the writers, their git, the server. */
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; cpu: number | undefined; value: T }> {
  const c0 = cpuSecondsWithChildren();
  const t0 = Date.now();
  const value = await f();
  const ms = Date.now() - t0;
  const c1 = cpuSecondsWithChildren();
  return { ms, cpu: c0 === undefined || c1 === undefined ? undefined : c1 - c0, value };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'fleet-bootstrap-concurrent',
    description: `${WRITERS} bootstraps' fleet writes into one repository at once vs one alone, one process each (ms)`,
    async run() {
      const dir = mkdtempSync(join(tmpdir(), 'gitops-bench-fleet-'));
      const server = await startGitHttpServer(join(dir, 'git'));
      try {
        const script = await bundleWriter();
        const flux = join(dir, 'flux-bundle.json');
        const bundle = sandboxFluxBundle();
        writeFileSync(flux, JSON.stringify({ version: bundle.version, text: bundle.text }));
        const write = (url: string, cluster: string) => writer(script, flux, url, cluster);
        // Warm: the first process pays for reading the bundle from disk; neither measurement should.
        const warm = await server.createRepo('warm.git');
        await write(warm, 'warm');
        const alone = await server.createRepo('alone.git');
        await write(alone, 'seed');
        const one = await timed(() => write(alone, 'solo'));
        const fleet = await server.createRepo('fleet.git');
        await write(fleet, 'seed');
        const names = Array.from({ length: WRITERS }, (_, i) => `ci-${String(i).padStart(2, '0')}`);
        const all = await timed(() => Promise.all(names.map((n) => write(fleet, n))));
        // The same ten at once, each into its own repository: the same load on this machine's
        // cores, without the one shared branch. The difference is what sharing it costs.
        const apart = await Promise.all(
          names.map(async (n) => {
            const url = await server.createRepo(`apart-${n}.git`);
            await write(url, 'seed');
            return url;
          }),
        );
        const separate = await timed(() => Promise.all(names.map((n, i) => write(apart[i]!, n))));

        const bare = join(server.root, 'fleet.git');
        const tip = git(bare, 'rev-parse', 'main').trim();
        const problems: string[] = [];
        all.value.forEach((w, i) => {
          if (!w.committed) problems.push(`${names[i]} made no commit`);
          try {
            git(bare, 'merge-base', '--is-ancestor', w.revision, tip);
          } catch {
            problems.push(
              `${names[i]}'s commit ${w.revision.slice(0, 12)} is not in main (lost or forced over)`,
            );
          }
        });
        const subjects = git(bare, 'log', '--format=%s', 'main').split('\n');
        for (const n of names)
          if (!subjects.some((s) => s.startsWith(`gitops: bootstrap ${n} `)))
            problems.push(`no commit for ${n}`);
        const files = git(bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');
        const firstWrite = files.filter((f) => f.startsWith('clusters/seed/'));
        for (const n of names) {
          const mine = files.filter((f) => f.startsWith(`clusters/${n}/`));
          if (mine.length !== firstWrite.length)
            problems.push(`clusters/${n} has ${mine.length} files, not ${firstWrite.length}`);
        }
        const shared = new Set(
          files.filter((f) => f.startsWith('profiles/')).map((f) => f.split('/').slice(0, 3).join('/')),
        );
        const expected = `profiles/base/${bundledVersion('base')},profiles/ml/${bundledVersion('ml')}`;
        if ([...shared].sort().join(',') !== expected)
          problems.push(`shared copies: ${[...shared].join(', ')}`);
        if (problems.length > 0) throw new Error(problems.join('; '));

        // What one more cluster on an existing version adds (flux-system/ aside: identical blobs).
        const folder = files.filter(
          (f) => f.startsWith('clusters/ci-00/') && !f.startsWith('clusters/ci-00/flux-system/'),
        );
        const bytes = folder.reduce((n, f) => n + Buffer.byteLength(git(bare, 'show', `main:${f}`)), 0);
        const attempts = all.value.map((w) => w.attempts);
        const n = cores();
        const cpuNote =
          one.cpu === undefined || all.cpu === undefined
            ? 'CPU use not measured (no /proc here)'
            : `CPU (writers, their git, the Git server): one alone ${one.cpu.toFixed(1)} s, ten at once ${all.cpu.toFixed(1)} s; on ${n} cores ten cannot take less than ${((all.cpu / n) * 1000).toFixed(0)} ms, ${(all.cpu / n / (one.ms / 1000)).toFixed(2)}x one alone (CI runners each have their own)`;
        return {
          value: all.ms,
          baseline: one.ms,
          unit: 'ms',
          notes: [
            `one alone ${one.ms} ms; ${WRITERS} at once ${all.ms} ms; push attempts per writer: ${attempts.join(' ')}`,
            cpuNote,
            `${WRITERS} at once into ${WRITERS} separate repositories (same load, no shared branch): ${separate.ms} ms; sharing one branch costs ${(all.ms / separate.ms).toFixed(2)}x that`,
            `every commit kept: ${WRITERS} commits, each an ancestor of main ${tip.slice(0, 12)}; one shared copy of ml and base`,
            `cluster folder on an existing version: ${(bytes / 1024).toFixed(1)} KB in ${folder.length} files, flux-system/ aside (goal <= 20 KB)`,
            'goal: ratio <= 1.5',
          ],
        };
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
