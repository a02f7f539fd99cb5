/**
 * The one way a use case reaches a cluster's API: describe the EKS cluster, then connect to its
 * endpoint with a fresh EKS token signed with the caller's AWS credentials (refreshed before it
 * expires); or the kubeconfig the user names with --kubeconfig.
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import type { EksCluster } from '../integrations/aws/ports.js';
import { eksTokenFor } from '../integrations/aws/token.js';
import {
  type ClientOptions,
  type KubeClient,
  kubeClientForEks,
  kubeClientFromKubeconfig,
} from '../integrations/kube/client.js';
import { systemError } from '../primitives/errors.js';
import { registerSecret } from '../primitives/redact.js';

export interface ClusterEndpoint {
  name: string;
  endpoint: string;
  /** Base64 PEM, as EKS returns it. */
  certificateAuthority?: string | undefined;
}

export function kubeClientForCluster(
  aws: AwsClients,
  cluster: ClusterEndpoint,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  client: Pick<ClientOptions, 'maxSockets' | 'groupsAtOnce'> = {},
): KubeClient {
  return kubeClientForEks({
    endpoint: cluster.endpoint,
    ...(cluster.certificateAuthority ? { caData: cluster.certificateAuthority } : {}),
    ...(signal ? { signal } : {}),
    ...(client.maxSockets ? { maxSockets: client.maxSockets } : {}),
    ...(client.groupsAtOnce ? { groupsAtOnce: true } : {}),
    token: async () => {
      const t = await eksTokenFor(aws, cluster.name, env);
      registerSecret(t.token);
      return { token: t.token, expiresAt: t.expiresAt };
    },
  });
}

/** What a use case already knows of the cluster from an earlier describe (no second call). */
export interface DescribedCluster {
  status?: string | undefined;
  endpoint?: string | undefined;
  certificateAuthority?: string | undefined;
}

export interface Connection {
  /** The cluster as EKS describes it; undefined when it does not exist (or was described before). */
  cluster: EksCluster | undefined;
  /** A client when the cluster is ACTIVE with an endpoint (or a --kubeconfig was given). */
  client: KubeClient | undefined;
}

export interface ConnectOptions {
  /** The run's environment: a kubeconfig's $HOME and $KUBECONFIG, the token's STS endpoint. */
  env: NodeJS.ProcessEnv;
  /** --kubeconfig: reach the API through this file; AWS is then not asked at all. */
  kubeconfig?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The cluster as the caller already described it. */
  described?: DescribedCluster | undefined;
  /** Connections to the API at once (the client's default when absent). */
  maxSockets?: number | undefined;
  /** Discovery reads every API group at once (a run that only reads: see Discovery). */
  groupsAtOnce?: boolean | undefined;
}

/** Describes the cluster (unless told) and connects when it can be reached. The caller closes the client. */
export async function connect(aws: AwsClients, name: string, options: ConnectOptions): Promise<Connection> {
  const signal = options.signal ? { signal: options.signal } : {};
  if (options.kubeconfig !== undefined) {
    return {
      cluster: undefined,
      client: await kubeClientFromKubeconfig({
        path: options.kubeconfig,
        env: options.env,
        ...signal,
        ...(options.groupsAtOnce ? { groupsAtOnce: true } : {}),
      }),
    };
  }
  const cluster = options.described ? undefined : await aws.eks.describeCluster(name);
  const known: DescribedCluster | undefined = options.described ?? cluster;
  const client =
    known?.endpoint && known.status === 'ACTIVE'
      ? kubeClientForCluster(
          aws,
          { name, endpoint: known.endpoint, certificateAuthority: known.certificateAuthority },
          options.env,
          options.signal,
          {
            ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}),
            ...(options.groupsAtOnce ? { groupsAtOnce: true } : {}),
          },
        )
      : undefined;
  return { cluster, client };
}

/** Like connect(), but a cluster that cannot be reached is an error naming its state. */
export async function connectOrFail(
  aws: AwsClients,
  name: string,
  options: ConnectOptions & { purpose: string },
): Promise<{ client: KubeClient }> {
  const c = await connect(aws, name, options);
  if (c.client) return { client: c.client };
  throw systemError(
    'GITOPS_NOT_FOUND',
    `cluster ${name} in ${aws.region} is ${c.cluster ? c.cluster.status : 'not there'}; ${options.purpose}`,
  );
}
