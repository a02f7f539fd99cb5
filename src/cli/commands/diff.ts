/** `gitops diff`: exit 0 when the cluster matches Git, 3 when something drifted. */
import { kubeClientForCluster, kubeClientFromFile } from '../../usecases/connect.js';
import { clusterDiff } from '../../usecases/diff.js';
import { EXIT, systemError } from '../../primitives/errors.js';
import type { KubeClient } from '../../integrations/kube/client.js';
import type { CommandHandler } from '../context.js';
import { renderDiff } from '../render/diff.js';
import { awsClientsFor } from './aws-context.js';
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
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutFlag(o.timeout))]);
  let client: KubeClient;
  if (o.kubeconfig) client = await kubeClientFromFile(o.kubeconfig);
  else {
    const aws = awsClientsFor(region, ctx.env);
    const c = await aws.eks.describeCluster(cluster);
    if (!c?.endpoint || c.status !== 'ACTIVE') {
      throw systemError(
        'GITOPS_NOT_FOUND',
        `cluster ${cluster} in ${region} is ${c ? c.status : 'not there'}; nothing to compare`,
      );
    }
    client = kubeClientForCluster(aws, {
      name: cluster,
      endpoint: c.endpoint,
      certificateAuthority: c.certificateAuthority ?? '',
    });
  }
  try {
    const doc = await clusterDiff(client, signal);
    ctx.out.result(doc, (s) => renderDiff(doc, s));
    return doc.inSync ? EXIT.ok : EXIT.notReady;
  } finally {
    client.close();
  }
};
