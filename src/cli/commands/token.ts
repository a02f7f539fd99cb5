/** `gitops token`: an ExecCredential for kubectl, signed with the caller's AWS credentials. */
import type { CommandHandler } from '../context.js';
import { clusterFlag, regionFlag } from './common.js';
import { printToken } from './print-token.js';

export interface TokenOptions {
  cluster?: string;
  region?: string;
}

export const token: CommandHandler<TokenOptions> = async (ctx, o) =>
  printToken(ctx, clusterFlag(o.cluster), regionFlag(o.region, ctx.env));
