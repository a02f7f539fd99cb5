/** AWS clients for a command, from the environment the way the AWS CLI reads it. */
import { type AwsClients, createAwsClients } from '../../integrations/aws/clients.js';
import { userError } from '../../primitives/errors.js';

export function awsClientsFor(region: string, env: NodeJS.ProcessEnv): AwsClients {
  const endpoint = env['AWS_ENDPOINT_URL'];
  if (endpoint !== undefined && endpoint !== '' && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw userError('GITOPS_BAD_INPUT', `AWS_ENDPOINT_URL "${endpoint}": expected an http(s) URL`);
  }
  const scale = timeScale(env);
  return createAwsClients({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(env['AWS_PROFILE'] ? { profile: env['AWS_PROFILE'] } : {}),
    timeScale: scale,
    // A hung call fails at this timeout and is retried (30 s against AWS). On the sandbox's scaled
    // clock it shrinks like every other wait, down to a floor a loaded machine's answers stay under.
    requestTimeoutMs: Math.max(5_000, Math.round(30_000 * scale)),
  });
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
