/**
 * Flux's post-build substitution (`spec.postBuild`), for `gitops diff` to compare what Flux
 * would apply: the variables of `substituteFrom` ConfigMaps (in order) overlaid by `substitute`,
 * line breaks dropped from values, nothing done when there are no variables, objects labelled or
 * annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` left alone. Flux substitutes in
 * the YAML text it writes for each object and reads it back; here each scalar is substituted and
 * read back the way that text would be (primitives/yaml11.ts), which is the same for every scalar
 * written plain, quoted or as a block.
 */
import { SubstitutionError, substitute, variableValue } from '../../../primitives/envsubst.js';
import { userError } from '../../../primitives/errors.js';
import { readScalar, writtenPlain } from '../../../primitives/yaml11.js';
import { field, isRecord, type KubeObject } from '../../kube/object.js';

const DISABLED = 'kustomize.toolkit.fluxcd.io/substitute';

/**
 * The variables a Kustomization's postBuild gives, from the ConfigMaps found among `available`
 * (what the same fleet checkout builds); undefined when it has no postBuild.
 */
export function postBuildVariables(
  kustomization: KubeObject,
  available: readonly KubeObject[],
): Map<string, string> | undefined {
  const postBuild = field(kustomization, 'spec', 'postBuild');
  if (!isRecord(postBuild)) return undefined;
  const namespace = kustomization.metadata.namespace ?? 'flux-system';
  const vars = new Map<string, string>();
  const from = Array.isArray(postBuild['substituteFrom']) ? postBuild['substituteFrom'] : [];
  for (const ref of from) {
    if (!isRecord(ref)) continue;
    const source = available.find(
      (o) =>
        o.kind === ref['kind'] &&
        o.apiVersion === 'v1' &&
        o.metadata.name === ref['name'] &&
        (o.metadata.namespace ?? namespace) === namespace,
    );
    if (source === undefined) {
      if (ref['optional'] === true) continue;
      throw userError(
        'GITOPS_BAD_CONFIG',
        `Kustomization ${kustomization.metadata.name}: postBuild.substituteFrom ${String(ref['kind'])}/${String(ref['name'])} is not in the fleet repository`,
      );
    }
    const data = isRecord(source['data']) ? source['data'] : {};
    for (const [k, v] of Object.entries(data)) {
      const text = source.kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
      vars.set(k, text.replaceAll('\n', ''));
    }
  }
  if (isRecord(postBuild['substitute'])) {
    for (const [k, v] of Object.entries(postBuild['substitute'])) vars.set(k, String(v).replaceAll('\n', ''));
  }
  return vars;
}

/** An object with Flux's substitution applied (a new object; the same one when nothing applies). */
export function substituteObject(obj: KubeObject, vars: ReadonlyMap<string, string>): KubeObject {
  if (vars.size === 0) return obj;
  if (obj.metadata.labels?.[DISABLED] === 'disabled' || obj.metadata.annotations?.[DISABLED] === 'disabled')
    return obj;
  const where = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
  try {
    return walk(obj, vars) as KubeObject;
  } catch (e) {
    if (e instanceof SubstitutionError)
      throw userError('GITOPS_BAD_CONFIG', `post-build substitution of ${where}: ${e.message}`);
    throw e;
  }
}

function walk(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return scalar(value, vars);
  if (Array.isArray(value)) return value.map((v) => walk(v, vars));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[String(scalar(k, vars))] = walk(v, vars);
    return out;
  }
  return value;
}

function scalar(text: string, vars: ReadonlyMap<string, string>): unknown {
  if (!text.includes('$')) return text;
  const result = substitute(text, (ref) => variableValue(ref, vars));
  if (result === text || !writtenPlain(text)) return result;
  // Written plain, the result is read as YAML again: `${replicas}` becomes the number.
  const read = readScalar(result);
  if (read === undefined) throw new SubstitutionError(`"${result}" is not valid YAML where "${text}" stood`);
  return read;
}
