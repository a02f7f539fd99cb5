/** `gitops migrate`: convert a cluster folder of the layout before layers, keeping the team's edits. */
import { EXIT, userError } from '../../primitives/errors.js';
import { clientsFor, pollInterval } from '../../usecases/clients.js';
import { runMigrate } from '../../usecases/migrate/run.js';
import type { CommandHandler } from '../context.js';
import { renderMigrate } from '../render/migrate.js';
import { clusterFlag, regionFlag, timeoutFlag } from './common.js';

export interface MigrateOptions {
  cluster?: string;
  region?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitPath?: string;
  kubeconfig?: string;
  dryRun?: boolean;
  timeout?: string;
}

export const migrate: CommandHandler<MigrateOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const timeoutMs = timeoutFlag(o.timeout);
  const dryRun = o.dryRun === true;
  if (!dryRun && !ctx.globals.yes && !ctx.out.isInteractive) {
    throw userError(
      'GITOPS_BAD_INPUT',
      'migrate commits to the fleet repo; a non-interactive run needs --yes',
      {
        hint: 'add --yes (or --dry-run to see what it would carry over)',
      },
    );
  }
  const clients = clientsFor(region, ctx.env, { signal: ctx.signal });
  const doc = await runMigrate({
    clients,
    cluster,
    fleet: {
      ...(o.gitUrl ? { url: o.gitUrl } : {}),
      ...(o.gitBranch ? { branch: o.gitBranch } : {}),
      ...(o.gitPath ? { path: o.gitPath } : {}),
    },
    kubeconfig: o.kubeconfig,
    sink: ctx.sink,
    signal: ctx.signal,
    deadline: Date.now() + timeoutMs,
    dryRun,
    pollMs: pollInterval(ctx.env),
  });
  ctx.out.result(doc, (s) => renderMigrate(doc, s));
  return doc.ok ? EXIT.ok : EXIT.failed;
};
