/** `gitops ci workflow`: the CI workflow (or script) that pushes images with the cluster's CI role. */
import { checkFlag } from '../../spec/from-flags.js';
import { userError } from '../../primitives/errors.js';
import { ecrRepositorySchema } from '../../spec/schema.js';
import { clientsFor } from '../../usecases/clients.js';
import { ciWorkflow, type WorkflowFormat } from '../../usecases/ci/workflow.js';
import type { CommandHandler } from '../context.js';
import { clusterFlag, regionFlag } from './common.js';

export interface WorkflowOptions {
  cluster?: string;
  region?: string;
  repository?: string;
  format?: string;
}

export const workflow: CommandHandler<WorkflowOptions> = async (ctx, o) => {
  const cluster = clusterFlag(o.cluster);
  const region = regionFlag(o.region, ctx.env);
  const format = formatFlag(o.format);
  if (o.repository !== undefined) checkFlag('--repository', ecrRepositorySchema.shape.name, o.repository);
  const { aws } = clientsFor(region, ctx.env, { signal: ctx.signal });
  const doc = await ciWorkflow({ clients: { aws }, cluster, repository: o.repository, format });
  // The text form is the file itself, so `> .github/workflows/image.yaml` writes it.
  ctx.out.result(doc, () => doc.content);
  return 0;
};

function formatFlag(value: string | undefined): WorkflowFormat {
  if (value === undefined || value === 'github') return 'github';
  if (value === 'script') return 'script';
  throw userError('GITOPS_BAD_INPUT', `--format ${JSON.stringify(value)}: expected github or script`);
}
