/**
 * `gitops ci workflow`: what a repository's CI needs to build an image and push it to one of the
 * cluster's ECR repositories with the cluster's CI role, as a GitHub Actions workflow or as a
 * plain shell script for any other CI. Read-only: the role and the repositories are found in AWS
 * by their tags, so the output names exactly what bootstrap made.
 *
 * Every image gets two tags: `<branch>-<unix seconds>-<7-character sha>`, which the image
 * automation in the cluster orders by its seconds (Flux's numerical policy), and the full commit
 * sha, which says what was built. The seconds are the commit's (committer time), not the build's:
 * a re-run of an old build then never outranks a newer commit, and a commit already pushed is
 * skipped (a repository with immutable tags would refuse its tags a second time).
 */
import { findCiRoles } from '../../integrations/aws/ci-role.js';
import { findClusterRepositories } from '../../integrations/aws/ecr.js';
import { userError } from '../../primitives/errors.js';
import type { Clients } from '../clients.js';
import { githubWorkflow } from './github.js';
import { shellScript } from './script.js';

import type { WorkflowInputs } from './inputs.js';

export type { WorkflowInputs } from './inputs.js';
export type WorkflowFormat = 'github' | 'script';

/** The branch the cluster's image automation follows (its ImagePolicy selects `main-<seconds>-<sha>`). */
export const DEFAULT_BRANCH = 'main';

export interface WorkflowDocument extends WorkflowInputs {
  format: WorkflowFormat;
  /** Where to put it, for the GitHub form. */
  path?: string;
  /** The workflow or the script, ready to write to a file. */
  content: string;
}

export interface WorkflowRequest {
  clients: Pick<Clients, 'aws'>;
  cluster: string;
  repository?: string | undefined;
  format: WorkflowFormat;
}

export async function ciWorkflow(req: WorkflowRequest): Promise<WorkflowDocument> {
  const { aws } = req.clients;
  const [roles, repositories] = await Promise.all([
    findCiRoles(aws, req.cluster),
    findClusterRepositories(aws, req.cluster),
  ]);
  const role = roles[0];
  if (!role) {
    throw userError('GITOPS_NOT_FOUND', `cluster ${req.cluster} in ${aws.region} has no CI role`, {
      hint: 'bootstrap it with --ci-github-repo <owner>/<repo> (or ci: in gitops.yaml) first',
    });
  }
  const names = repositories.map((r) => r.name).sort();
  const chosen =
    req.repository === undefined
      ? names.length === 1
        ? names[0]
        : undefined
      : names.find((n) => n === req.repository);
  if (chosen === undefined) {
    throw userError(
      names.length === 0 || req.repository !== undefined ? 'GITOPS_NOT_FOUND' : 'GITOPS_BAD_INPUT',
      req.repository === undefined
        ? names.length === 0
          ? `cluster ${req.cluster} has no ECR repositories`
          : `cluster ${req.cluster} has ${names.length} ECR repositories; --repository names the one to push to`
        : `--repository ${req.repository}: not an ECR repository of cluster ${req.cluster}`,
      names.length > 0 ? { hint: `one of: ${names.join(', ')}` } : {},
    );
  }
  const uri = repositories.find((r) => r.name === chosen)!.uri;
  const inputs: WorkflowInputs = {
    cluster: req.cluster,
    region: aws.region,
    roleArn: role.arn,
    registry: uri.slice(0, uri.indexOf('/')),
    repository: chosen,
    branch: DEFAULT_BRANCH,
  };
  return req.format === 'github'
    ? { ...inputs, format: 'github', path: '.github/workflows/image.yaml', content: githubWorkflow(inputs) }
    : { ...inputs, format: 'script', content: shellScript(inputs) };
}
