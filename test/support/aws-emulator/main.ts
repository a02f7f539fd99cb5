// Standalone emulator: `npm run --silent aws-emulator -- --port N [--time-scale X] [--region R]
// [--seed S] [--kube-endpoint URL --kube-ca-file PATH]`. Prints one JSON line with the URL and
// the default identity, then serves until SIGTERM/SIGINT and exits 0.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startAwsEmulator } from './index.js';

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    console.error(`aws-emulator: --${name} must be a number, got ${value}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'time-scale': { type: 'string' },
      region: { type: 'string' },
      seed: { type: 'string' },
      'kube-endpoint': { type: 'string' },
      'kube-ca-file': { type: 'string' },
    },
    strict: true,
  });
  const endpoint = values['kube-endpoint'];
  const caFile = values['kube-ca-file'];
  const emulator = await startAwsEmulator({
    port: numberOption('port', values.port, 0),
    timeScale: numberOption('time-scale', values['time-scale'], 1),
    seed: numberOption('seed', values.seed, 1),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(endpoint !== undefined
      ? { kubeApiserver: { endpoint, caData: caFile ? readFileSync(caFile).toString('base64') : '' } }
      : {}),
  });
  const { url, region, accountId, accessKeyId, secretAccessKey } = emulator;
  process.stdout.write(`${JSON.stringify({ url, region, accountId, accessKeyId, secretAccessKey })}\n`);
  const stop = () => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // `npm run` starts us through `sh -c`, and sh does not pass signals on: if whoever started us
  // goes away, stop too instead of lingering as an orphan holding the port.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  console.error(message.startsWith('aws-emulator:') ? message : `aws-emulator: ${message}`);
  process.exit(1);
});
