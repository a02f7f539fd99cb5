/**
 * Starts and stops the local kube-apiserver (test/support/kube-testenv.sh) from Node: used by
 * the vitest global setup, the benchmark and the sandbox. Each instance gets its own run
 * directory, so several can run at once (two test projects, a benchmark, another engineer).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const TESTENV_SCRIPT = join(REPO_ROOT, 'test', 'support', 'kube-testenv.sh');

export interface KubeTestenvInfo {
  kubeconfig: string;
  url: string;
  token: string;
  caFile: string;
  runDir: string;
}

export interface KubeTestenv extends KubeTestenvInfo {
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra kube-apiserver flags (whitespace-separated), e.g. a token webhook config. */
  apiserverArgs?: string;
  /** Where the instance keeps its state; a fresh temporary directory by default. */
  runDir?: string;
  /** Where output of the build/start script goes (default: this process's stderr). */
  log?: (line: string) => void;
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_TESTENV_DIR ?? join(homedir(), '.cache', 'kube-testenv');
}

export function isBuilt(env: NodeJS.ProcessEnv = process.env): boolean {
  const bin = join(cacheDir(env), 'bin');
  return existsSync(join(bin, 'kube-apiserver')) && existsSync(join(bin, 'etcd'));
}

/** Builds the binaries when missing (minutes, once per machine); a no-op otherwise. */
export async function ensureBuilt(log: (line: string) => void = stderrLine): Promise<void> {
  if (isBuilt()) return;
  log(
    `kube-testenv: the local kube-apiserver is not built yet; building it into ${cacheDir()} ` +
      '(takes about 3 minutes the first time, cached afterwards)',
  );
  await run(['build'], process.env, log);
  if (!isBuilt()) throw new Error(`kube-testenv build finished but ${cacheDir()}/bin is incomplete`);
}

export async function startKubeTestenv(options: StartOptions = {}): Promise<KubeTestenv> {
  const log = options.log ?? stderrLine;
  await ensureBuilt(log);
  // tmpfs when there is one: etcd fsyncs every write, which on a shared disk is the slow part.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const runDir = options.runDir ?? mkdtempSync(join(base, 'gitops-kube-'));
  const env: NodeJS.ProcessEnv = { ...process.env, KUBE_TESTENV_RUN_DIR: runDir };
  const extra = options.apiserverArgs ?? process.env.KUBE_TESTENV_APISERVER_ARGS;
  if (extra !== undefined) env.KUBE_TESTENV_APISERVER_ARGS = extra;
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(TESTENV_SCRIPT, ['stop'], { env, stdio: 'ignore' });
    rmSync(runDir, { recursive: true, force: true });
  };
  // If the test process exits without running teardown, do not leave etcd/apiserver behind.
  process.once('exit', stopSync);
  try {
    await run(['start'], env, log);
  } catch (e) {
    stopSync();
    throw e;
  }
  const vars = parseEnvFile(readFileSync(join(runDir, 'env'), 'utf8'));
  return {
    kubeconfig: need(vars, 'KUBE_TESTENV_KUBECONFIG'),
    url: need(vars, 'KUBE_TESTENV_URL'),
    token: need(vars, 'KUBE_TESTENV_TOKEN'),
    caFile: need(vars, 'KUBE_TESTENV_CA_FILE'),
    runDir,
    stop: async () => {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}

function run(args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TESTENV_SCRIPT, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tail: string[] = [];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    let partial = '';
    child.stderr.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (args[0] === 'build' || /error|not ready|did not/i.test(line)) log(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out.trim());
      else reject(new Error(`kube-testenv.sh ${args.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const m of text.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars.set(m[1]!, m[2]!);
  return vars;
}

function need(vars: Map<string, string>, key: string): string {
  const v = vars.get(key);
  if (v === undefined) throw new Error(`kube-testenv env file lacks ${key}`);
  return v;
}

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
