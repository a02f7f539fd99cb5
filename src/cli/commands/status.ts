/** `gitops status`: exit 0 ready and in sync, 3 reachable but not, 1 cannot tell. */
import { listManagedClusters } from '../../integrations/aws/status.js';
import { kubeClientFromFile } from '../../usecases/connect.js';
import { EXIT, toGitopsError, userError } from '../../primitives/errors.js';
import { clusterStatus, type StatusDocument } from '../../usecases/status.js';
import type { CommandHandler } from '../context.js';
import { renderStatus, renderStatusList } from '../render/status.js';
import { awsClientsFor } from './aws-context.js';
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
  const timeoutMs = timeoutFlag(o.timeout);
  const aws = awsClientsFor(region, ctx.env);
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);

  if (cluster !== undefined) {
    const kube = o.kubeconfig ? await kubeClientFromFile(o.kubeconfig) : undefined;
    try {
      const doc = await clusterStatus({ aws, cluster, signal, ...(kube ? { kube } : {}) });
      ctx.out.result(doc, (s) => renderStatus(doc, s));
      return exitFor([doc]);
    } finally {
      kube?.close();
    }
  }

  const clusters = await listManagedClusters(aws);
  const docs = await Promise.all(
    clusters.map((c) =>
      clusterStatus({ aws, cluster: c.name, signal }).catch(
        (e: unknown): StatusDocument => unknownStatus(c.name, region, toGitopsError(e).message),
      ),
    ),
  );
  const ready = docs.length > 0 && docs.every((d) => d.ready);
  ctx.out.result({ ready, region, clusters: docs }, (s) => renderStatusList(docs, region, s));
  return docs.length === 0 ? EXIT.ok : exitFor(docs);
};

function exitFor(docs: readonly StatusDocument[]): number {
  if (docs.some((d) => !d.known)) return EXIT.failed;
  return docs.every((d) => d.ready) ? EXIT.ok : EXIT.notReady;
}

function unknownStatus(name: string, region: string, reason: string): StatusDocument {
  return {
    ready: false,
    known: false,
    cluster: { name, region, status: 'UNKNOWN', managed: true, nodeGroups: [] },
    addons: [],
    reconciler: { installed: false, ready: false, controllers: [] },
    sync: { inSync: false, failing: [] },
    ecrRepositories: [],
    problems: [reason],
  };
}
