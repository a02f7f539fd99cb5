// The sandbox as a background process (started by `npm run sandbox:up`): runs until SIGTERM,
// then stops exactly what it started. Argument: the sandbox folder.
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from './sandbox.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: daemon.ts <dir>\n');
  process.exit(2);
}
const logFile = join(dir, 'sandbox.log');
const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

const sandbox = await startSandbox({ dir, log }).catch((e: unknown) => {
  log(`start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
writeFileSync(join(dir, 'ready'), `${process.pid}\n`);
log(`ready; env: ${sandbox.envFile}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await sandbox.stop();
  rmSync(join(dir, 'ready'), { force: true });
  rmSync(join(dir, 'pid'), { force: true });
  log('stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
