/**
 * Adding a cluster to a kubeconfig, the one way both `gitops kubeconfig` and bootstrap do it: an
 * exec user that runs `gitops token` with the same AWS profile as this run, so the kubeconfig
 * fetches tokens with the credentials that were used to reach the cluster.
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import {
  defaultKubeconfigPath,
  type KubeconfigResult,
  mergeKubeconfig,
} from '../integrations/aws/kubeconfig.js';
import { systemError } from '../primitives/errors.js';

export interface KubeconfigEntry {
  name: string;
  arn: string;
  endpoint: string;
  certificateAuthority?: string | undefined;
}

export interface KubeconfigRequest {
  /** Default `$KUBECONFIG` (first path) or ~/.kube/config. */
  path?: string | undefined;
  /** Context name; default `<cluster>.<region>`. */
  alias?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export function kubeconfigPath(req: Pick<KubeconfigRequest, 'path' | 'env'>): string {
  return req.path ?? defaultKubeconfigPath(req.env);
}

export async function writeKubeconfigEntry(
  region: string,
  cluster: KubeconfigEntry,
  req: KubeconfigRequest,
): Promise<KubeconfigResult> {
  const profile = req.env['AWS_PROFILE'];
  return await mergeKubeconfig(
    {
      name: cluster.name,
      region,
      arn: cluster.arn,
      endpoint: cluster.endpoint,
      certificateAuthority: cluster.certificateAuthority ?? '',
    },
    {
      path: kubeconfigPath(req),
      ...(req.alias ? { contextName: req.alias } : {}),
      ...(profile ? { profile } : {}),
    },
  );
}

export interface KubeconfigDocument {
  path: string;
  context: string;
  cluster: string;
  region: string;
}

/** `gitops kubeconfig`: the cluster must exist and have an endpoint. */
export async function addClusterToKubeconfig(
  aws: AwsClients,
  cluster: string,
  req: KubeconfigRequest,
): Promise<KubeconfigDocument> {
  const c = await aws.eks.describeCluster(cluster);
  if (!c?.endpoint) {
    throw systemError(
      'GITOPS_NOT_FOUND',
      `cluster ${cluster} in ${aws.region} ${c ? `is ${c.status} and has no endpoint yet` : 'does not exist'}`,
    );
  }
  const r = await writeKubeconfigEntry(aws.region, { ...c, endpoint: c.endpoint }, req);
  return { path: r.path, context: r.contextName, cluster, region: aws.region };
}
