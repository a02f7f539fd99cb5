/**
 * The local sandbox: everything `gitops` talks to, on this machine, with real protocols.
 *   - the AWS emulator (real SDK wire protocols, scaled clock);
 *   - a real kube-apiserver whose token webhook is the emulator's, so the CLI's EKS tokens are
 *     checked the way aws-iam-authenticator checks them, and every emulated EKS cluster's
 *     endpoint is this apiserver;
 *   - the Flux stand-in, playing Flux's controllers against the apiserver;
 *   - the Auto Mode stand-in, serving Auto Mode's kinds and built-in pools while an emulated
 *     cluster has Auto Mode on (its pools are marked stood in for: no node is ever made);
 *   - a local HTTP server publishing Flux release manifests (nothing here reaches github.com).
 * It writes `<dir>/env` (0600: it holds the emulator's test credentials) with what a shell
 * needs to point the CLI at it.
 */
// The stand-ins call the emulator through the AWS SDK in this process (vitest's main process,
// the sandbox daemon, the demo), where the test workers' setup file does not run.
import '../quiet-sdk-warning.js';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KubeClient, kubeClientFromKubeconfig } from '../../../src/integrations/kube/client.js';
import { type RunningEmulator, startAwsEmulator } from '../aws-emulator/index.js';
import { type KubeTestenv, startKubeTestenv } from '../kube/testenv.js';
import { AutoModeStandIn } from './auto-mode-standin.js';
import { FluxStandIn } from './flux-standin.js';
import { type FluxRelease, startFluxReleaseServer } from './flux-releases.js';
import { type GitHttpServer, startGitHttpServer } from './git-http.js';

export interface SandboxOptions {
  dir: string;
  /** Emulator clock scale (default 0.01: a 9-minute cluster create takes 5.4 s). */
  timeScale?: number;
  log?: (line: string) => void;
}

export interface Sandbox {
  dir: string;
  envFile: string;
  /** The variables the env file exports. */
  env: Record<string, string>;
  emulator: RunningEmulator;
  kube: KubeTestenv;
  /** The apiserver's audit log: one JSON line per write (who, verb, object), reads not logged. */
  auditLog: string;
  /** An admin client for the apiserver (the test env's static token, not an EKS token). */
  admin: KubeClient;
  standIn: FluxStandIn;
  flux: FluxRelease;
  /** Fleet repositories over smart HTTP (Flux refuses file:// URLs). */
  git: GitHttpServer;
  stop(): Promise<void>;
}

/** What tests need of a sandbox, as plain data (vitest passes it from the global setup to files). */
export interface SandboxInfo {
  env: Record<string, string>;
  emulatorUrl: string;
  adminKubeconfig: string;
  gitUrl: string;
  gitRoot: string;
  dir: string;
  auditLog: string;
}

export function sandboxInfo(sandbox: Sandbox): SandboxInfo {
  return {
    env: sandbox.env,
    emulatorUrl: sandbox.emulator.url,
    adminKubeconfig: sandbox.kube.kubeconfig,
    gitUrl: sandbox.git.url,
    gitRoot: sandbox.git.root,
    dir: sandbox.dir,
    auditLog: sandbox.auditLog,
  };
}

/**
 * Every write to the apiserver is logged with who made it, so tests can tell the CLI's writes
 * (EKS-token users) from the stand-in's (gitops-admin) and the apiserver's own (system:*).
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const dir = options.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const emulator = await startAwsEmulator({ timeScale: options.timeScale ?? 0.01 });
    stops.push(() => emulator.stop());
    log(`aws emulator: ${emulator.url}`);

    const webhook = join(dir, 'token-webhook.kubeconfig');
    emulator.writeTokenWebhookKubeconfig(webhook);
    const auditPolicy = join(dir, 'audit-policy.yaml');
    writeFileSync(auditPolicy, AUDIT_POLICY);
    const auditLog = join(dir, 'audit.log');
    const kube = await startKubeTestenv({
      runDir: join(dir, 'kube'),
      apiserverArgs: [
        `--authentication-token-webhook-config-file=${webhook}`,
        '--authentication-token-webhook-cache-ttl=0s',
        `--audit-policy-file=${auditPolicy}`,
        `--audit-log-path=${auditLog}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
      ].join(' '),
      log,
    });
    stops.push(() => kube.stop());
    log(`kube-apiserver: ${kube.url}`);
    emulator.setKubeApiserver({
      endpoint: kube.url,
      caData: Buffer.from(readFileSync(kube.caFile)).toString('base64'),
    });

    const admin = await kubeClientFromKubeconfig({ env: process.env, path: kube.kubeconfig });
    stops.push(async () => admin.close());
    const standIn = new FluxStandIn({
      kubeconfig: kube.kubeconfig,
      workDir: join(dir, 'standin'),
      log: (l) => log(`flux stand-in: ${l}`),
      timeScale: options.timeScale ?? 0.01,
      aws: {
        endpoint: emulator.url,
        region: emulator.region,
        accessKeyId: emulator.accessKeyId,
        secretAccessKey: emulator.secretAccessKey,
      },
    });
    standIn.start(300);
    stops.push(() => standIn.stop());
    const autoMode = new AutoModeStandIn({
      kubeconfig: kube.kubeconfig,
      emulator,
      log: (l) => log(l),
    });
    autoMode.start(300);
    stops.push(() => autoMode.stop());

    const flux = await startFluxReleaseServer();
    stops.push(() => flux.stop());
    log(`flux release mirror: ${flux.url} serves v${flux.version}: ${flux.description}`);
    const git = await startGitHttpServer(join(dir, 'git'));
    stops.push(() => git.stop());

    const env: Record<string, string> = {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: emulator.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.secretAccessKey,
      // The CLI's own kubeconfig entries go to the sandbox's file, never the user's ~/.kube/config.
      KUBECONFIG: join(dir, 'kubeconfig'),
      ...flux.env,
      // Our waits poll on the emulator's scaled clock; the Flux download cache stays in the sandbox.
      GITOPS_TIME_SCALE: String(options.timeScale ?? 0.01),
      XDG_CACHE_HOME: join(dir, 'cache'),
      GITOPS_SANDBOX: dir,
      GITOPS_SANDBOX_GIT_URL: git.url,
      // The sandbox's Git server speaks plain http on loopback; bootstrap refuses http otherwise.
      GITOPS_ALLOW_INSECURE_HTTP: '1',
    };
    const envFile = join(dir, 'env');
    writeFileSync(
      envFile,
      `${Object.entries(env)
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n')}\n`,
      { mode: 0o600 },
    );
    chmodSync(envFile, 0o600);
    return { dir, envFile, env, emulator, kube, auditLog, admin, standIn, flux, git, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
