/** `gitops kubeconfig`: merge the cluster into a kubeconfig with an exec user running `gitops token`. */
import { clientsFor } from '../../usecases/clients.js';
import { addClusterToKubeconfig } from '../../usecases/kubeconfig.js';
import type { CommandHandler } from '../context.js';
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
  const { aws } = clientsFor(region, ctx.env, { signal: ctx.signal });
  const doc = await addClusterToKubeconfig(aws, cluster, {
    path: o.kubeconfig,
    alias: o.alias,
    env: ctx.env,
  });
  ctx.out.result(doc, () => `context ${doc.context} written to ${doc.path}`);
  return 0;
};
