// `npm run demo`: the main job, end to end, on this machine. Starts the sandbox, makes an empty
// fleet repository, runs `gitops bootstrap --profile ml` and `gitops status` exactly as a user
// would (the built CLI as a process), stops the sandbox. Exit 0 only if status says ready.
// Arguments are passed on to bootstrap: `npm run demo -- --compute auto` makes an EKS Auto Mode
// cluster (the sandbox stands in for Auto Mode's node pools; status lists them under simulated).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitopsBin } from '../cli.js';
import { startSandbox } from './sandbox.js';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`\n$ gitops ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [gitopsBin, ...args], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gitops-demo-'));
process.stdout.write(
  'Starting the sandbox: AWS emulator, kube-apiserver (token webhook -> emulator), Flux stand-in, Git server\n',
);
const sandbox = await startSandbox({ dir, log: (l) => process.stdout.write(`  ${l}\n`) });
let code = 1;
try {
  process.stdout.write(
    sandbox.flux.kind === 'mini'
      ? `Flux: this demo runs ${sandbox.flux.description}\n`
      : `Flux: ${sandbox.flux.description}\n`,
  );
  const fleet = await sandbox.git.createRepo('fleet.git');
  process.stdout.write(`Fleet repository: ${fleet} (empty)\n`);
  const env = { ...process.env, ...sandbox.env };
  const region = sandbox.env.AWS_REGION ?? 'us-west-2';
  const boot = await run(
    [
      'bootstrap',
      '--profile',
      'ml',
      '--cluster',
      'demo',
      '--region',
      region,
      '--git-url',
      fleet,
      '--yes',
      ...process.argv.slice(2),
    ],
    env,
  );
  const status = await run(['status', '--cluster', 'demo', '--region', region], env);
  code = boot === 0 && status === 0 ? 0 : 1;
  process.stdout.write(
    `\n${code === 0 ? 'demo: bootstrap finished and status says ready and in sync' : `demo: failed (bootstrap exit ${boot}, status exit ${status})`}\n`,
  );
} finally {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
