/**
 * `gitops upgrade`: move clusters to another version of their profile through the fleet
 * repository alone. No AWS client is made, so no AWS credentials are needed or read.
 */
import { EXIT, userError } from '../../primitives/errors.js';
import { localClients } from '../../usecases/clients.js';
import { runUpgrade } from '../../usecases/upgrade/run.js';
import type { CommandHandler } from '../context.js';
import { renderUpgrade } from '../render/upgrade.js';
import { timeoutFlag } from './common.js';

export interface UpgradeOptions {
  cluster?: string;
  profile?: string;
  gitUrl?: string;
  gitBranch?: string;
  dryRun?: boolean;
  timeout?: string;
}

/** Cluster names (letters, digits, `-`, `_`) with `*` and `?` for a pattern. */
const CLUSTER_PATTERN = /^[A-Za-z0-9*?][A-Za-z0-9_*?-]{0,99}$/;

export const upgrade: CommandHandler<UpgradeOptions> = async (ctx, o) => {
  if (o.cluster === undefined) {
    throw userError('GITOPS_BAD_INPUT', '--cluster is required', {
      hint: 'a cluster name, or a pattern such as --cluster "staging-*"',
    });
  }
  if (!CLUSTER_PATTERN.test(o.cluster)) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `--cluster ${JSON.stringify(o.cluster)}: expected a cluster name (letters, digits, "-", "_") or a pattern with * and ?`,
    );
  }
  if (o.profile === undefined || o.profile.trim() === '') {
    throw userError('GITOPS_BAD_INPUT', '--profile is required', {
      hint: 'the version to move to: --profile ml@1.2.0, or a folder or git URL holding it',
    });
  }
  if (o.gitUrl === undefined) {
    throw userError('GITOPS_BAD_INPUT', '--git-url is required', {
      hint: 'the fleet repository the clusters sync from (upgrade reads no cluster and no AWS)',
    });
  }
  const timeoutMs = timeoutFlag(o.timeout);
  const dryRun = o.dryRun === true;
  if (!dryRun && !ctx.globals.yes && !ctx.out.isInteractive) {
    throw userError(
      'GITOPS_BAD_INPUT',
      'upgrade commits to the fleet repo; a non-interactive run needs --yes',
      { hint: 'add --yes (or --dry-run to see which clusters would move)' },
    );
  }
  const doc = await runUpgrade({
    clients: localClients(ctx.env),
    fleet: { url: o.gitUrl, branch: o.gitBranch ?? 'main' },
    clusters: o.cluster,
    profile: o.profile,
    sink: ctx.sink,
    signal: ctx.signal,
    deadline: Date.now() + timeoutMs,
    dryRun,
  });
  ctx.out.result(doc, (s) => renderUpgrade(doc, s));
  return doc.ok ? EXIT.ok : EXIT.failed;
};
