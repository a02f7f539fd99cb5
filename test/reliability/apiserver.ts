/**
 * Restarts a sandbox's kube-apiserver in place (same flags, same port, same etcd), the way a
 * control-plane update or a crash-looping apiserver looks to a client: connections refused for
 * a while, then the same API back.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../support/process.js';

export async function restartApiserver(
  runDir: string,
  ready: () => Promise<boolean>,
): Promise<{ downMs: number }> {
  const pidFile = join(runDir, 'kube-apiserver.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  while (alive(pid)) await sleep(50);
  const log = openSync(join(runDir, 'kube-apiserver.log'), 'a');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  // kube-testenv.sh stops what the pid file names: the new process, when the sandbox stops.
  writeFileSync(pidFile, `${child.pid}\n`);
  while (!(await ready().catch(() => false))) await sleep(200);
  return { downMs: Date.now() - started };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
