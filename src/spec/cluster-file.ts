/**
 * The cluster.yaml that bootstrap writes into the fleet repository is the whole effective spec, so
 * `bootstrap --from-git` can rebuild the cluster without the profile or the original gitops.yaml.
 * Reading it back checks it against the schema and that it describes the cluster asked for.
 */
import { userError } from '../primitives/errors.js';
import { parseValidated } from '../primitives/validated-yaml.js';
import { clusterSpecSchema, type RequestedSpec } from './schema.js';

export function parseClusterFile(text: string, source: string, expectedName?: string): RequestedSpec {
  const spec = parseValidated(clusterSpecSchema, text, source);
  if (expectedName !== undefined && spec.name !== expectedName) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${source}: describes cluster "${spec.name}", not "${expectedName}"`,
      {
        hint: 'check --cluster and --git-path: the folder belongs to another cluster',
      },
    );
  }
  return spec;
}
