/**
 * `gitops token`: the ExecCredential kubectl's exec plugin reads, holding an EKS token signed with
 * the caller's AWS credentials. kubectl runs it before every command, so it loads only the
 * signer and the credential chain (no SDK client, no profile catalog).
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import { type ExecCredential, eksTokenFor, execCredential } from '../integrations/aws/token.js';

export async function clusterToken(aws: AwsClients, cluster: string): Promise<ExecCredential> {
  return execCredential(await eksTokenFor(aws, cluster));
}
