/** `gitops destroy`: tear down in reverse order; the fleet folder goes last, in one commit. */
import { runDestroy } from '../../usecases/destroy.js';
import { EXIT, userError } from '../../primitives/errors.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { renderDestroy } from '../render/destroy.js';
import { clientsFor, pollInterval } from '../../usecases/clients.js';
import { clusterFlag, regionFlag, timeoutFlag } from './common.js';

export interface DestroyOptions {
  cluster?: string;
  region?: string;
  keepGit?: boolean;
  keepData?: boolean;
  force?: boolean;
  dryRun?: boolean;
  timeout?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitPath?: string;
}

export const destroy: CommandHandler<DestroyOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const timeoutMs = timeoutFlag(o.timeout);
  const dryRun = o.dryRun === true;
  if (!dryRun && !ctx.globals.yes) {
    if (!ctx.out.isInteractive) {
      throw userError(
        'GITOPS_BAD_INPUT',
        'destroy deletes the cluster and everything gitops created for it; a non-interactive run needs --yes',
        {
          hint: 'add --yes (or --dry-run to see what would be deleted)',
        },
      );
    }
    if (!(await confirmByName(ctx, cluster))) {
      ctx.out.note('cancelled: nothing was deleted');
      return EXIT.failed;
    }
  }
  const clients = clientsFor(region, ctx.env, { signal: ctx.signal });
  const fleet = {
    ...(o.gitUrl ? { url: o.gitUrl } : {}),
    ...(o.gitBranch ? { branch: o.gitBranch } : {}),
    ...(o.gitPath ? { path: o.gitPath } : {}),
  };
  const { report, document } = await runDestroy({
    cluster,
    clients,
    sink: ctx.sink,
    signal: ctx.signal,
    deadline: Date.now() + timeoutMs,
    dryRun,
    keepGit: o.keepGit === true,
    keepData: o.keepData === true,
    force: o.force === true,
    fleet,
    pollMs: pollInterval(ctx.env),
  });
  ctx.out.result(document, (s) => renderDestroy(document, s));
  return report.ok ? EXIT.ok : (report.error?.exitCode ?? EXIT.failed);
};

async function confirmByName(ctx: CommandContext, cluster: string): Promise<boolean> {
  const answer = await ctx.prompt(
    `This deletes cluster ${cluster}, its node groups, network, IAM roles, ECR repositories and S3 buckets (unless --keep-data). Type the cluster name to confirm: `,
  );
  return answer.trim() === cluster;
}
