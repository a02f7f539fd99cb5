import type { CommandHandler } from '../context.js';
import { clusterFlag, notImplemented, regionFlag } from './common.js';

export interface KubeconfigOptions {
  cluster?: string;
  region?: string;
  kubeconfig?: string;
  alias?: string;
}

export const kubeconfig: CommandHandler<KubeconfigOptions> = async (ctx, o) => {
  clusterFlag(o.cluster);
  regionFlag(o.region, ctx.env);
  return notImplemented('kubeconfig');
};
