/** `gitops kubeconfig`: merge the cluster into a kubeconfig with an exec user running `gitops token`. */
import { mergeKubeconfig } from '../../integrations/aws/kubeconfig.js';
import { systemError } from '../../primitives/errors.js';
import type { CommandHandler } from '../context.js';
import { awsClientsFor } from './aws-context.js';
import { clusterFlag, regionFlag } from './common.js';

export interface KubeconfigOptions {
  cluster?: string;
  region?: string;
  kubeconfig?: string;
  alias?: string;
}

export const kubeconfig: CommandHandler<KubeconfigOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const aws = awsClientsFor(region, ctx.env);
  const c = await aws.eks.describeCluster(cluster);
  if (!c?.endpoint) {
    throw systemError(
      'GITOPS_NOT_FOUND',
      `cluster ${cluster} in ${region} ${c ? `is ${c.status} and has no endpoint yet` : 'does not exist'}`,
    );
  }
  const r = await mergeKubeconfig(
    {
      name: cluster,
      region,
      arn: c.arn,
      endpoint: c.endpoint,
      certificateAuthority: c.certificateAuthority ?? '',
    },
    {
      ...(o.kubeconfig ? { path: o.kubeconfig } : {}),
      ...(o.alias ? { contextName: o.alias } : {}),
      ...(ctx.env['AWS_PROFILE'] ? { profile: ctx.env['AWS_PROFILE'] } : {}),
    },
  );
  ctx.out.result(
    { path: r.path, context: r.contextName, cluster, region },
    () => `context ${r.contextName} written to ${r.path}`,
  );
  return 0;
};
