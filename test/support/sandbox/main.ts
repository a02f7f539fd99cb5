// `npm run sandbox:up` / `npm run sandbox:down`: start the sandbox in the background (printing the
// path of its env file) and stop exactly the processes it started.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../kube/testenv.js';
import { alive } from '../process.js';

const dir = resolve(process.env.GITOPS_SANDBOX_DIR ?? join(REPO_ROOT, '.sandbox'));
const pidFile = join(dir, 'pid');

function runningPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

async function up(): Promise<number> {
  const running = runningPid();
  if (running !== undefined && existsSync(join(dir, 'ready'))) {
    process.stderr.write(`sandbox already running (pid ${running})\n`);
    process.stdout.write(`${join(dir, 'env')}\n`);
    return 0;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  rmSync(join(dir, 'ready'), { force: true });
  const out = openSync(join(dir, 'sandbox.log'), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/support/sandbox/daemon.ts'), dir],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', out, out],
    },
  );
  writeFileSync(pidFile, `${child.pid}\n`);
  child.unref();
  process.stderr.write('starting the sandbox (AWS emulator, kube-apiserver, Flux stand-in)...\n');
  const deadline = Date.now() + 15 * 60_000; // a first run builds the kube-apiserver (minutes)
  while (Date.now() < deadline) {
    if (existsSync(join(dir, 'ready'))) {
      process.stdout.write(`${join(dir, 'env')}\n`);
      return 0;
    }
    if (!alive(child.pid!)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`sandbox did not start; last lines of ${join(dir, 'sandbox.log')}:\n`);
  process.stderr.write(
    `${readFileSync(join(dir, 'sandbox.log'), 'utf8').split('\n').slice(-15).join('\n')}\n`,
  );
  if (alive(child.pid!)) process.kill(child.pid!, 'SIGTERM');
  return 1;
}

async function down(): Promise<number> {
  const pid = runningPid();
  if (pid === undefined) {
    process.stderr.write('sandbox is not running\n');
    rmSync(pidFile, { force: true });
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) {
    process.stderr.write(`sandbox (pid ${pid}) did not stop in 30 s\n`);
    return 1;
  }
  process.stderr.write('sandbox stopped\n');
  return 0;
}

const command = process.argv[2];
if (command === 'up') process.exitCode = await up();
else if (command === 'down') process.exitCode = await down();
else {
  process.stderr.write('usage: main.ts up|down\n');
  process.exitCode = 2;
}
