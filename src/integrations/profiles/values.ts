/**
 * A cluster's values: every variable the shared profile manifests may use, as the strings Flux's
 * post-build substitution reads from a ConfigMap. They come from cluster.yaml (the cluster's
 * name, region, account, ECR registry and profile parameters) and, later, from what provisioning
 * learns (a VPC id, role ARNs): `extra` takes those, under names that may not shadow a parameter.
 * The reconciler decides where the ConfigMap lives; this only says what it holds.
 */
import { systemError, userError } from '../../primitives/errors.js';
import type { ParameterValue } from './model.js';
import { variableText } from './postbuild.js';

/** Flux's rule for variable names. */
const VARIABLE = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export interface ClusterVariables {
  /** Variable -> value, sorted by name. */
  data: Record<string, string>;
  /** The profile the cluster runs: recorded beside the values, read back by `gitops status`. */
  profile: { name: string; version: string };
}

export function clusterVariables(
  parameters: Readonly<Record<string, ParameterValue>>,
  profile: { name: string; version: string },
  extra: Readonly<Record<string, string>> = {},
): ClusterVariables {
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) data[name] = variableText(value);
  for (const [name, value] of Object.entries(extra)) {
    if (!VARIABLE.test(name)) {
      throw systemError('GITOPS_INTERNAL', `cluster value "${name}" is not a valid variable name`);
    }
    if (name in data) {
      throw userError('GITOPS_BAD_CONFIG', `cluster value "${name}" has the name of a profile parameter`, {
        hint: 'rename the parameter in profile.yaml',
      });
    }
    data[name] = value;
  }
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { data: sorted, profile: { ...profile } };
}
