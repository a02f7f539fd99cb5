import type { CommandHandler } from '../context.js';
import { clusterFlag, notImplemented, regionFlag, timeoutFlag } from './common.js';

export interface DiffOptions {
  cluster?: string;
  region?: string;
  kubeconfig?: string;
  timeout?: string;
}

export const diff: CommandHandler<DiffOptions> = async (ctx, o) => {
  clusterFlag(o.cluster);
  regionFlag(o.region, ctx.env);
  timeoutFlag(o.timeout);
  return notImplemented('diff');
};
