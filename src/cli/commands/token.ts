/** `gitops token`: an ExecCredential for kubectl, signed with the caller's AWS credentials. */
import { eksTokenFor, execCredential } from '../../integrations/aws/token.js';
import type { CommandHandler } from '../context.js';
import { awsClientsFor } from './aws-context.js';
import { clusterFlag, regionFlag } from './common.js';

export interface TokenOptions {
  cluster?: string;
  region?: string;
}

export const token: CommandHandler<TokenOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const t = await eksTokenFor(awsClientsFor(region, ctx.env), cluster);
  // kubectl reads this JSON whatever -o says: the token is the point of the command, so it is
  // written straight to stdout, never through a reporter or a log.
  process.stdout.write(`${JSON.stringify(execCredential(t))}\n`);
  return 0;
};
