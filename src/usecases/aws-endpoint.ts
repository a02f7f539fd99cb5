/**
 * AWS_ENDPOINT_URL, the one endpoint override every AWS call honours (the sandbox's emulator),
 * checked once here for the full clients and for `gitops token`, which builds no client.
 */
import { userError } from '../primitives/errors.js';

/** The override, or undefined when unset or empty; anything but an http(s) URL is a usage error. */
export function awsEndpointFrom(env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = env['AWS_ENDPOINT_URL'];
  if (endpoint === undefined || endpoint === '') return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw userError('GITOPS_BAD_INPUT', `AWS_ENDPOINT_URL "${endpoint}": expected an http(s) URL`);
  }
  return endpoint;
}
