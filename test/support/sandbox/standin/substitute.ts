/**
 * Flux's post-build variable substitution (`spec.postBuild`), as kustomize-controller runs it on
 * each built object's YAML: variables from `substituteFrom` ConfigMaps and Secrets (in order,
 * `optional` ones may be missing) overlaid by `substitute`; names must match
 * ^[_[:alpha:]][_[:alpha:][:digit:]]*$; newlines in values are dropped; nothing is substituted
 * when there are no variables; `$$` is a literal `$`; an unset variable is empty (Flux's default,
 * non-strict mode); objects labelled or annotated `kustomize.toolkit.fluxcd.io/substitute:
 * disabled` are left alone. Expressions: `${var}`, `${var:=default}`, `${var=default}`,
 * `${var:-default}`, `${var-default}`; Flux's other bash-style functions are an error here.
 */
import { parse, stringify } from 'yaml';
import { type Api, isRecord, type Obj } from './api.js';

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const DISABLED = 'kustomize.toolkit.fluxcd.io/substitute';

export class SubstituteError extends Error {}

/** The variables of a Kustomization's postBuild; undefined when it has no postBuild. */
export async function loadVariables(api: Api, k: Obj): Promise<Map<string, string> | undefined> {
  const spec = isRecord(k['spec']) ? k['spec'] : {};
  const postBuild = spec['postBuild'];
  if (!isRecord(postBuild)) return undefined;
  const extra = Object.keys(postBuild).filter((f) => f !== 'substitute' && f !== 'substituteFrom');
  if (extra.length > 0)
    throw new SubstituteError(`spec.postBuild.${extra[0]}: not implemented by the sandbox's stand-in`);
  const vars = new Map<string, string>();
  const namespace = k.metadata.namespace ?? 'default';
  for (const ref of Array.isArray(postBuild['substituteFrom']) ? postBuild['substituteFrom'] : []) {
    if (!isRecord(ref)) continue;
    const kind = String(ref['kind']);
    const name = String(ref['name']);
    if (kind !== 'ConfigMap' && kind !== 'Secret')
      throw new SubstituteError(`substituteFrom kind ${kind} is not ConfigMap or Secret`);
    const obj = await api.get({ apiVersion: 'v1', kind, name, namespace });
    if (!obj) {
      if (ref['optional'] === true) continue;
      throw new SubstituteError(
        `substitute from '${kind}/${name}' error: ${kind === 'ConfigMap' ? 'configmaps' : 'secrets'} "${name}" not found`,
      );
    }
    const data = isRecord(obj['data']) ? obj['data'] : {};
    for (const [key, v] of Object.entries(data)) {
      const text = kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
      vars.set(key, text.replaceAll('\n', ''));
    }
  }
  if (isRecord(postBuild['substitute'])) {
    for (const [key, v] of Object.entries(postBuild['substitute']))
      vars.set(key, String(v).replaceAll('\n', ''));
  }
  for (const key of vars.keys()) {
    if (!NAME.test(key))
      throw new SubstituteError(
        `'${key}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`,
      );
  }
  return vars;
}

/** The object with its variables substituted (a new object), or the same one when nothing applies. */
export function substituteObject(obj: Obj, vars: Map<string, string>): Obj {
  if (vars.size === 0) return obj;
  if (obj.metadata.labels?.[DISABLED] === 'disabled' || obj.metadata.annotations?.[DISABLED] === 'disabled')
    return obj;
  let text: string;
  try {
    text = substituteText(stringify(obj, { lineWidth: 0 }), vars);
  } catch (e) {
    throw new SubstituteError(
      `post build failed for '${obj.apiVersion}, Kind=${obj.kind}/${obj.metadata.name}': envsubst error: ${(e as Error).message}`,
    );
  }
  return parse(text) as Obj;
}

export function substituteText(text: string, vars: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new Error(`unterminated variable at ${text.slice(i, i + 20)}`);
      out += evaluate(text.slice(i + 2, end), vars);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function evaluate(expr: string, vars: Map<string, string>): string {
  const m = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])(.*))?$/s.exec(expr);
  if (!m) throw new Error(`\${${expr}}: this expression is not implemented by the sandbox's stand-in`);
  const [, name, op, fallback] = m;
  const value = vars.get(name!);
  if (op === undefined) return value ?? '';
  const useDefault = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  return useDefault ? (fallback ?? '') : (value ?? '');
}
