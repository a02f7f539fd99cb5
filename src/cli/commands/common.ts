/** Flag checks shared by several commands; each error names the flag and what is wrong. */
import { checkFlag } from '../../spec/from-flags.js';
import { userError } from '../../primitives/errors.js';
import { clusterName, regionName } from '../../spec/schema.js';
import { parseDuration } from '../../primitives/wait.js';

export function timeoutFlag(value: unknown, flag = '--timeout'): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `${flag} ${JSON.stringify(value)}: expected a duration such as 40m, 90s or 1h30m`,
    );
  }
  return ms;
}

export function clusterFlag(value: unknown): string {
  if (value === undefined) {
    throw userError('GITOPS_BAD_INPUT', '--cluster is required', {
      hint: 'name the EKS cluster, for example --cluster research',
    });
  }
  return checkFlag('--cluster', clusterName, value);
}

/** --region, else AWS_REGION, else AWS_DEFAULT_REGION (as the AWS CLI and SDKs do). */
export function regionFlag(value: unknown, env: NodeJS.ProcessEnv): string {
  if (value !== undefined) return checkFlag('--region', regionName, value);
  const fromEnv = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
  if (fromEnv) return checkFlag('AWS_REGION', regionName, fromEnv);
  throw userError('GITOPS_BAD_INPUT', '--region is required', { hint: 'pass --region or set AWS_REGION' });
}
