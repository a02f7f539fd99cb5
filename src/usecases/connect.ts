/**
 * How the CLI reaches a cluster's API: the EKS endpoint and CA from DescribeCluster and a
 * fresh EKS token signed with the caller's AWS credentials (refreshed before it expires), or a
 * kubeconfig the user names with --kubeconfig.
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import type { ClusterOutput } from '../integrations/aws/cluster.js';
import { eksTokenFor } from '../integrations/aws/token.js';
import { type KubeClient, kubeClientForEks, kubeClientFromKubeconfig } from '../integrations/kube/client.js';
import { registerSecret } from '../primitives/redact.js';

export function kubeClientForCluster(
  aws: AwsClients,
  cluster: Pick<ClusterOutput, 'name' | 'endpoint' | 'certificateAuthority'>,
): KubeClient {
  return kubeClientForEks({
    endpoint: cluster.endpoint,
    ...(cluster.certificateAuthority ? { caData: cluster.certificateAuthority } : {}),
    token: async () => {
      const t = await eksTokenFor(aws, cluster.name);
      registerSecret(t.token);
      return { token: t.token, expiresAt: t.expiresAt };
    },
  });
}

export async function kubeClientFromFile(path: string): Promise<KubeClient> {
  return kubeClientFromKubeconfig({ path });
}
