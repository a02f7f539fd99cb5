/**
 * The composition root: the real clients every use case takes injected, made from the
 * environment the way the AWS CLI and kubectl read it. Tests build the same objects pointed at
 * the emulator and a local apiserver instead.
 */
import { type AwsClients, createAwsClients } from '../integrations/aws/clients.js';
import { credentialsFromEnv } from '../integrations/aws/credentials.js';
import { reconcilerFor } from '../integrations/reconciler/index.js';
import type { Reconciler } from '../integrations/reconciler/reconciler.js';
import { userError } from '../primitives/errors.js';
import { awsEndpointFrom } from './aws-endpoint.js';

export interface Clients {
  aws: AwsClients;
  reconciler: Reconciler;
  /** The process environment (credentials for Git, cache folders, kubeconfig path). */
  env: NodeJS.ProcessEnv;
}

/**
 * AWS clients for one region. Every call stops when `signal` fires (a command's --timeout, an
 * interrupt), so a deadline reaches the SDK's requests too, not only our own waits.
 */
export function awsClientsFor(region: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): AwsClients {
  const endpoint = awsEndpointFrom(env);
  const scale = timeScale(env);
  return createAwsClients({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(env['AWS_PROFILE'] ? { profile: env['AWS_PROFILE'] } : {}),
    // From `env`, not process.env: the identity is the one this run was given.
    credentials: credentialsFromEnv(env),
    ...(signal ? { signal } : {}),
    timeScale: scale,
    // A hung call fails at this timeout and is retried (30 s against AWS). On the sandbox's scaled
    // clock it shrinks like every other wait, down to a floor a loaded machine's answers stay under.
    requestTimeoutMs: Math.max(5_000, Math.round(30_000 * scale)),
  });
}

export function clientsFor(
  region: string,
  env: NodeJS.ProcessEnv,
  options: { signal?: AbortSignal; reconciler?: string } = {},
): Clients {
  return {
    aws: awsClientsFor(region, env, options.signal),
    reconciler: reconcilerFor(options.reconciler ?? 'flux'),
    env,
  };
}

/** What the checks made before any remote call need: the reconciler and the environment. */
export function localClients(
  env: NodeJS.ProcessEnv,
  reconciler = 'flux',
): Pick<Clients, 'reconciler' | 'env'> {
  return { reconciler: reconcilerFor(reconciler), env };
}

/**
 * GITOPS_TIME_SCALE shrinks our own poll intervals for the local sandbox, whose AWS emulator
 * runs on a scaled clock. Real AWS runs at 1.
 */
export function timeScale(env: NodeJS.ProcessEnv): number {
  const raw = env['GITOPS_TIME_SCALE'];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw userError('GITOPS_BAD_INPUT', `GITOPS_TIME_SCALE "${raw}": expected a number in (0, 1]`);
  }
  return n;
}

/** How often our waits poll: 2 s against AWS, less on the sandbox's scaled clock. */
export function pollInterval(env: NodeJS.ProcessEnv): number {
  return Math.max(100, Math.round(2000 * timeScale(env)));
}
