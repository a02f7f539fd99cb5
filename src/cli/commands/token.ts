/** `gitops token`: an ExecCredential for kubectl, signed with the caller's AWS credentials. */
import { awsClientsFor } from '../../usecases/clients.js';
import { clusterToken } from '../../usecases/token.js';
import type { CommandHandler } from '../context.js';
import { clusterFlag, regionFlag } from './common.js';

export interface TokenOptions {
  cluster?: string;
  region?: string;
}

export const token: CommandHandler<TokenOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const credential = await clusterToken(awsClientsFor(region, ctx.env, ctx.signal), cluster);
  // kubectl reads this JSON whatever -o says: the token is the point of the command, so it is
  // written as it is (never through a reporter, a log or the redaction of other output).
  ctx.out.raw(`${JSON.stringify(credential)}\n`);
  return 0;
};
