/** `gitops diff`: exit 0 when the cluster matches Git, 3 when something drifted. */
import { EXIT } from '../../primitives/errors.js';
import { deadlineSignal } from '../../primitives/wait.js';
import { clientsFor } from '../../usecases/clients.js';
import { diffCluster } from '../../usecases/diff.js';
import type { CommandHandler } from '../context.js';
import { renderDiff } from '../render/diff.js';
import { clusterFlag, regionFlag, timeoutFlag } from './common.js';

export interface DiffOptions {
  cluster?: string;
  region?: string;
  kubeconfig?: string;
  timeout?: string;
}

export const diff: CommandHandler<DiffOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const signal = deadlineSignal(ctx.signal, timeoutFlag(o.timeout), 'gitops diff');
  const clients = clientsFor(region, ctx.env, { signal });
  const doc = await diffCluster(clients, cluster, { kubeconfig: o.kubeconfig, signal });
  ctx.out.result(doc, (s) => renderDiff(doc, s));
  return doc.inSync ? EXIT.ok : EXIT.notReady;
};
