/**
 * Reading a cluster back from the fleet repository (`bootstrap --from-git`): the cluster.yaml that
 * rendering wrote is the whole effective spec, so the cluster can be rebuilt without the
 * profile or the original gitops.yaml.
 */
import { userError } from '../primitives/errors.js';
import { type ClusterSpec, clusterSpecSchema } from './schema.js';
import type { GitAuth } from '../integrations/git/exec.js';
import { readFleetFile } from '../integrations/git/remote.js';
import { redactUrl } from '../integrations/git/url.js';
import { parseValidated } from '../primitives/validated-yaml.js';

export function parseClusterFile(text: string, source = 'cluster.yaml'): ClusterSpec {
  return parseValidated(clusterSpecSchema, text, source);
}

export interface ClusterFromGitRequest {
  url: string;
  branch: string;
  cluster: string;
  /** The cluster's folder; `clusters/<cluster>` by default. */
  path?: string;
  signal?: AbortSignal;
  auth?: GitAuth;
}

export async function readClusterFromFleet(req: ClusterFromGitRequest): Promise<ClusterSpec> {
  const folder = req.path ?? `clusters/${req.cluster}`;
  const file = `${folder}/cluster.yaml`;
  const shown = `${redactUrl(req.url)}#${req.branch}:${file}`;
  const text = await readFleetFile(req.url, req.branch, file, { signal: req.signal, auth: req.auth });
  if (text === undefined) {
    throw userError(
      'GITOPS_NOT_FOUND',
      `no cluster "${req.cluster}" in the fleet repository: ${shown} does not exist`,
      {
        hint: 'check --cluster, --git-branch and --git-path',
      },
    );
  }
  const spec = parseClusterFile(text, shown);
  if (spec.name !== req.cluster) {
    throw userError('GITOPS_BAD_CONFIG', `${shown}: describes cluster "${spec.name}", not "${req.cluster}"`);
  }
  return spec;
}
