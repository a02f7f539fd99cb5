/**
 * `gitops token` as kubectl runs it: the kubeconfig's exec user (`token --cluster X --region R`)
 * runs before every kubectl command, so this entry reads exactly that form without commander and
 * loads only the signer and the credential chain. Anything else (other flags, --help, a value
 * the checks would refuse, a missing flag) goes to the full CLI, which parses it and reports
 * errors the usual way; a refused value costs the full start, an accepted one never does.
 */
import { isClusterName, isRegionName } from '../spec/names.js';
import { printToken } from './commands/print-token.js';
import type { GlobalFlags } from './context.js';
import { type ProcessIO, processIO } from './process-io.js';
import { runCommand } from './run-command.js';

export interface TokenArgs {
  cluster: string;
  region: string;
}

/** What commander makes of no global flag at all (see readGlobals in program.ts). */
const NO_GLOBAL_FLAGS: GlobalFlags = {
  output: 'text',
  verbose: false,
  color: true,
  yes: false,
  quiet: false,
};

/**
 * `token` followed only by `--cluster` and `--region` (`--flag value` or `--flag=value`, the last
 * one winning, as commander does), the region defaulting to AWS_REGION then AWS_DEFAULT_REGION,
 * both values valid. Undefined for anything else.
 */
export function plainTokenArgs(args: readonly string[], env: NodeJS.ProcessEnv): TokenArgs | undefined {
  if (args[0] !== 'token') return undefined;
  let cluster: string | undefined;
  let region: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag !== '--cluster' && flag !== '--region') return undefined;
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) return undefined;
    if (flag === '--cluster') cluster = value;
    else region = value;
  }
  region ??= env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
  if (cluster === undefined || !isClusterName(cluster)) return undefined;
  if (region === undefined || !isRegionName(region)) return undefined;
  return { cluster, region };
}

export async function main(argv: string[], io: ProcessIO = processIO()): Promise<number> {
  const plain = plainTokenArgs(argv.slice(2), io.env);
  if (plain === undefined) {
    const cli = await import('./main.js');
    return cli.main(argv, io);
  }
  return runCommand(
    io,
    NO_GLOBAL_FLAGS,
    async () => (ctx) => printToken(ctx, plain.cluster, plain.region),
    {},
    [],
  );
}
