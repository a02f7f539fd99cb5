/**
 * One YAML document validated by a schema, with errors naming the file, the line and the YAML
 * path: `profiles/ml/profile.yaml:14: nodeGroups[1].instanceTypes: expected a non-empty list`.
 * Used for profile.yaml and for the cluster.yaml that `bootstrap --from-git` reads back.
 */
import type { z } from 'zod';
import type { ErrorCode } from './errors.js';
import { issuePath, schemaError } from './validation.js';
import { parseYamlText } from './yaml.js';

export function parseValidated<S extends z.ZodType>(
  schema: S,
  text: string,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): z.output<S> {
  const loaded = parseYamlText(text, source);
  // reportInput: lets the message say what was found ("expected array, got string").
  const result = schema.safeParse(loaded.data, { reportInput: true });
  if (result.success) return result.data;
  const line = loaded.lineOf(issuePath(result.error.issues[0]!));
  throw schemaError(result.error.issues, line === undefined ? source : `${source}:${line}`, code);
}
