/** `gitops status`: exit 0 ready and in sync, 3 reachable but not, 1 cannot tell. */
import { EXIT, userError } from '../../primitives/errors.js';
import { deadlineSignal } from '../../primitives/wait.js';
import { clientsFor } from '../../usecases/clients.js';
import { clusterStatus, type StatusDocument } from '../../usecases/status.js';
import { allClustersStatus } from '../../usecases/status-all.js';
import type { CommandHandler } from '../context.js';
import { renderStatus, renderStatusList } from '../render/status.js';
import { clusterFlag, regionFlag, timeoutFlag } from './common.js';

export interface StatusOptions {
  cluster?: string;
  region?: string;
  all?: boolean;
  kubeconfig?: string;
  timeout?: string;
}

export const status: CommandHandler<StatusOptions> = async (ctx, o) => {
  if (o.all && o.cluster !== undefined)
    throw userError('GITOPS_BAD_INPUT', '--all and --cluster exclude each other');
  if (o.all && o.kubeconfig !== undefined)
    throw userError('GITOPS_BAD_INPUT', '--kubeconfig names one cluster; it does not go with --all');
  const cluster = o.all ? undefined : clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const signal = deadlineSignal(ctx.signal, timeoutFlag(o.timeout), 'gitops status');
  const clients = clientsFor(region, ctx.env, { signal });

  if (cluster !== undefined) {
    const doc = await clusterStatus({ clients, cluster, signal, kubeconfig: o.kubeconfig });
    ctx.out.result(doc, (s) => renderStatus(doc, s));
    return exitFor([doc]);
  }
  const fleet = await allClustersStatus(clients, signal);
  ctx.out.result(fleet, (s) => renderStatusList(fleet, region, s));
  return fleet.clusters.length === 0 ? EXIT.ok : exitFor(fleet.clusters);
};

function exitFor(docs: readonly StatusDocument[]): number {
  if (docs.some((d) => !d.known)) return EXIT.failed;
  return docs.every((d) => d.ready) ? EXIT.ok : EXIT.notReady;
}
