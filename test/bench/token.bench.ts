/**
 * token-latency: kubectl runs `gitops token` (the kubeconfig's exec user) before every command,
 * so its start-to-exit time is added to each kubectl call. Measured as cold processes against
 * `aws eks get-token` (what `aws eks update-kubeconfig` puts in a kubeconfig), with a bare
 * `node -e 0` as the floor; all three in the same run, interleaved so that machine load hits them
 * alike, medians of repeated runs.
 *
 * Both sign with the same environment credentials for the same emulated cluster (the emulator
 * runs in its own process, as STS is not in ours), and every token either printed is sent to the
 * emulator's token review, which checks it as aws-iam-authenticator does: a broken token fails
 * the benchmark instead of making it fast.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { gitopsBin } from '../support/cli.js';
import { admin, type EmulatorHandle, startEmulatorProcess } from './emulator-process.js';
import { type Benchmark, median } from './types.js';

const RUNS = Number(process.env.BENCH_TOKEN_RUNS ?? 15);
const CLUSTER = 'bench-token';

interface Run {
  ms: number;
  stdout: string;
}

function timeOnce(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/**
 * The AWS CLI itself, not a version manager's shim in front of it (pyenv's is a bash script that
 * starts pyenv, adding its own time to the baseline and making ours look better than it is).
 */
function awsCli(): string {
  if (process.env.AWS_CLI) return process.env.AWS_CLI;
  const onPath = execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
  if (!onPath.includes('/shims/')) return realpathSync(onPath);
  return execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();
}

/**
 * What both tools see: the emulator's keys in the environment (the usual CI setup), its URL as
 * the endpoint, no config or credentials file and no instance metadata, so neither reads
 * anything else.
 */
function signingEnv(emu: EmulatorHandle, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('GITOPS_')) env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    NO_COLOR: '1',
    AWS_ENDPOINT_URL: emu.url,
    AWS_ACCESS_KEY_ID: emu.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

interface ExecCredential {
  kind?: string;
  apiVersion?: string;
  status?: { token?: string; expirationTimestamp?: string };
}

/** The ExecCredential is kubectl's, and the emulator's token review accepts its token. */
async function checkCredential(emu: EmulatorHandle, tool: string, stdout: string): Promise<void> {
  const cred = JSON.parse(stdout) as ExecCredential;
  if (cred.kind !== 'ExecCredential' || cred.apiVersion !== 'client.authentication.k8s.io/v1beta1') {
    throw new Error(`${tool} printed no v1beta1 ExecCredential: ${stdout.slice(0, 200)}`);
  }
  const expires = Date.parse(cred.status?.expirationTimestamp ?? '');
  if (!(expires > Date.now())) throw new Error(`${tool}: expirationTimestamp is not in the future`);
  const review = (await admin(emu, 'POST', `/_emulator/token-review/${CLUSTER}`, {
    apiVersion: 'authentication.k8s.io/v1beta1',
    kind: 'TokenReview',
    spec: { token: cred.status?.token ?? '' },
  })) as { status: { authenticated: boolean; error?: string } };
  if (!review.status.authenticated) {
    throw new Error(`${tool}'s token was rejected: ${review.status.error ?? 'no reason given'}`);
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'token-latency',
    description: `cold \`gitops token\` vs \`aws eks get-token\`, median of ${RUNS} runs each (ms), node -e 0 as the floor`,
    async run() {
      const { emu, stop } = await startEmulatorProcess(['--time-scale', '0.001']);
      const home = mkdtempSync(join(tmpdir(), 'gitops-bench-token-'));
      try {
        // Only the URL, region and keys of the handle are used by this helper.
        const prereq = await createEksPrerequisites(emu as RunningEmulator, 'bench');
        await new EKSClient(clientConfig(emu)).send(
          new CreateClusterCommand({
            name: CLUSTER,
            roleArn: prereq.clusterRoleArn,
            resourcesVpcConfig: { subnetIds: prereq.subnetIds },
            // The caller (the emulator's default identity, whose keys both tools sign with) gets an
            // access entry, so the token review maps it to a user.
            accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
          }),
        );
        const env = signingEnv(emu, home);
        const aws = awsCli();
        const ours = [gitopsBin, 'token', '--cluster', CLUSTER, '--region', emu.region];
        const theirs = ['eks', 'get-token', '--cluster-name', CLUSTER, '--region', emu.region];
        const bare = ['-e', '0'];

        // One untimed run each fills the file cache (and Node's compile cache where it has one),
        // as for a user's second kubectl command.
        const outputs: { tool: string; stdout: string }[] = [
          { tool: 'gitops token', stdout: timeOnce(process.execPath, ours, env).stdout },
          { tool: 'aws eks get-token', stdout: timeOnce(aws, theirs, env).stdout },
        ];
        timeOnce(process.execPath, bare, env);

        const times = { gitops: [] as number[], aws: [] as number[], node: [] as number[] };
        for (let i = 0; i < RUNS; i++) {
          times.node.push(timeOnce(process.execPath, bare, env).ms);
          const g = timeOnce(process.execPath, ours, env);
          const a = timeOnce(aws, theirs, env);
          times.gitops.push(g.ms);
          times.aws.push(a.ms);
          outputs.push(
            { tool: 'gitops token', stdout: g.stdout },
            { tool: 'aws eks get-token', stdout: a.stdout },
          );
        }
        for (const o of outputs) await checkCredential(emu, o.tool, o.stdout);

        const gitops = median(times.gitops);
        const awsMs = median(times.aws);
        const node = median(times.node);
        const ms = (n: number) => `${n.toFixed(1)} ms`;
        return {
          value: Number(gitops.toFixed(1)),
          baseline: Number(awsMs.toFixed(1)),
          unit: 'ms',
          notes: [
            `gitops token ${ms(gitops)} (min ${ms(Math.min(...times.gitops))}), aws eks get-token ${ms(awsMs)} (min ${ms(Math.min(...times.aws))}), node -e 0 ${ms(node)}`,
            `ratio to node -e 0: ${(gitops / node).toFixed(2)} (goal <= 2)`,
            `${outputs.length} tokens checked by the emulator's token review for ${CLUSTER}: all accepted`,
            `aws: ${aws}; node ${process.version}; load average ${loadavg()[0]!.toFixed(2)}`,
            'goal: ratio to aws eks get-token <= 0.3',
          ],
        };
      } finally {
        rmSync(home, { recursive: true, force: true });
        await stop();
      }
    },
  },
];
