/**
 * The body of `gitops token` once its flags are checked, shared by the commander command and the
 * fast path kubectl takes (../token-main.ts); it must stay free of zod and commander for the latter.
 */
import { clusterToken, tokenSigningFor } from '../../usecases/token.js';
import type { CommandContext } from '../context.js';

export async function printToken(ctx: CommandContext, cluster: string, region: string): Promise<number> {
  const credential = await clusterToken(tokenSigningFor(region, ctx.env), cluster, ctx.env);
  // kubectl reads this JSON whatever -o says: the token is the point of the command, so it is
  // written as it is (never through a reporter, a log or the redaction of other output).
  ctx.out.raw(`${JSON.stringify(credential)}\n`);
  return 0;
}
