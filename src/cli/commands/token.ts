import type { CommandHandler } from '../context.js';
import { clusterFlag, notImplemented, regionFlag } from './common.js';

export interface TokenOptions {
  cluster?: string;
  region?: string;
}

export const token: CommandHandler<TokenOptions> = async (ctx, o) => {
  clusterFlag(o.cluster);
  regionFlag(o.region, ctx.env);
  return notImplemented('token');
};
