import type { CommandHandler } from '../context.js';
import { clusterFlag, notImplemented, regionFlag, timeoutFlag } from './common.js';

export interface StatusOptions {
  cluster?: string;
  region?: string;
  all?: boolean;
  kubeconfig?: string;
  timeout?: string;
}

export const status: CommandHandler<StatusOptions> = async (ctx, o) => {
  if (!o.all) clusterFlag(o.cluster);
  regionFlag(o.region, ctx.env);
  timeoutFlag(o.timeout);
  return notImplemented('status');
};
