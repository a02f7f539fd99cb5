import type { CommandHandler } from '../context.js';
import { clusterFlag, notImplemented, regionFlag, timeoutFlag } from './common.js';

export interface DestroyOptions {
  cluster?: string;
  region?: string;
  keepGit?: boolean;
  force?: boolean;
  dryRun?: boolean;
  timeout?: string;
}

export const destroy: CommandHandler<DestroyOptions> = async (ctx, o) => {
  clusterFlag(o.cluster);
  regionFlag(o.region, ctx.env);
  timeoutFlag(o.timeout);
  return notImplemented('destroy');
};
