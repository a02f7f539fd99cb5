/**
 * `gitops token`: the ExecCredential kubectl's exec plugin reads, holding an EKS token signed with
 * the caller's AWS credentials. kubectl runs it before every command, so it loads only the
 * signer and the credential chain (no SDK client, no profile catalog, no reconciler).
 */
import { credentialsFromEnv } from '../integrations/aws/credentials.js';
import {
  type ExecCredential,
  eksTokenFor,
  execCredential,
  type TokenSigning,
} from '../integrations/aws/token.js';
import { awsEndpointFrom } from './aws-endpoint.js';

export async function clusterToken(
  aws: TokenSigning,
  cluster: string,
  env: NodeJS.ProcessEnv,
): Promise<ExecCredential> {
  return execCredential(await eksTokenFor(aws, cluster, env));
}

/**
 * The signing half of the AWS clients, from the environment as the full clients read it
 * (AWS_ENDPOINT_URL, AWS_PROFILE, the SDK's credential chain), without building them.
 */
export function tokenSigningFor(region: string, env: NodeJS.ProcessEnv): TokenSigning {
  return {
    region,
    endpoint: awsEndpointFrom(env),
    credentials: credentialsFromEnv(env),
  };
}
