/**
 * A HelmRelease's values as helm-controller composes them before it loads the chart
 * (fluxcd/pkg chartutil ChartValuesFromReferences, used by helm-controller v1.6): each valuesFrom
 * reference in order, a ConfigMap or Secret in the release's namespace, its `valuesKey` (default
 * values.yaml) merged at the root, or set at `targetPath`; then the inline values over them. A
 * missing object or key fails the release (Ready=False, reason ValuesError, chartutil's message)
 * unless the reference is optional, which is then skipped as the controller does.
 *
 * Not implemented, and refused as such (never guessed): targetPath with list indexes or
 * --set style lists/escaped commas in the value.
 *
 * The composed values are what the chart would be given: the stand-in records them in a Secret
 * of the release's namespace (valuesRecordName), so a test can check what reached a chart without
 * the stand-in ever logging a value (valuesFrom Secrets hold credentials).
 */
import { parse } from 'yaml';
import { type Api, at, isRecord, type Obj } from './api.js';

export type Values = Record<string, unknown>;

export class ValuesError extends Error {}

export const VALUES_RECORD_LABEL = 'sandbox.gitops.dev/values-of';

/** The Secret in which the stand-in records a release's composed values (key values.json). */
export function valuesRecordName(release: string): string {
  return `sandbox-values-${release}`;
}

export async function composeValues(api: Api, hr: Obj): Promise<Values> {
  const namespace = hr.metadata.namespace ?? 'default';
  const inline = isRecord(at(hr, 'spec', 'values')) ? (at(hr, 'spec', 'values') as Values) : {};
  const refs = at(hr, 'spec', 'valuesFrom');
  let result: Values = {};
  for (const ref of Array.isArray(refs) ? refs : []) {
    const kind = String(at(ref, 'kind') ?? '');
    const name = String(at(ref, 'name') ?? '');
    const key = String(at(ref, 'valuesKey') ?? 'values.yaml');
    const optional = at(ref, 'optional') === true;
    const fail = (reason: string) =>
      new ValuesError(
        `could not resolve${optional ? ' optional' : ''} ${kind} chart values reference '${namespace}/${name}' with key '${key}': ${reason}`,
      );
    if (kind !== 'Secret' && kind !== 'ConfigMap') throw fail('unsupported values reference kind');
    const obj = await api.get({ apiVersion: 'v1', kind, name, namespace });
    if (!obj) {
      if (optional) continue;
      throw fail(`${kind === 'Secret' ? 'secrets' : 'configmaps'} "${name}" not found`);
    }
    const raw = at(obj, 'data', key);
    if (typeof raw !== 'string') {
      if (optional) continue;
      throw fail('key not found');
    }
    const text = kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const targetPath = String(at(ref, 'targetPath') ?? '');
    if (targetPath !== '') {
      result = mergeMaps(result, inline);
      setPath(result, targetPath, at(ref, 'literal') === true ? text : setValue(text, fail), fail);
      continue;
    }
    let values: unknown;
    try {
      values = parse(text) ?? {};
    } catch (e) {
      // The parser's message may quote the content (a credential): only its first line's position.
      throw fail(`error converting YAML to JSON: ${String((e as Error).name)}`);
    }
    if (!isRecord(values)) throw fail('error unmarshaling JSON: values are not a map');
    result = mergeMaps(result, values);
  }
  return mergeMaps(result, inline);
}

/** chartutil.MergeMaps: b over a, maps merged key by key, anything else replaced. */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isRecord(v) && isRecord(prev) ? mergeMaps(prev as Values, v as Values) : v;
  }
  return out;
}

/** A --set style value: booleans, integers and null typed as Helm's strvals does; quotes keep a string. */
function setValue(text: string, fail: (r: string) => Error): unknown {
  if (/^(['"]).*\1$/s.test(text)) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (/^-?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/[,{}[\]]/.test(text))
    throw fail('sandbox: --set style lists in a targetPath value are not implemented');
  return text;
}

function setPath(values: Values, path: string, value: unknown, fail: (r: string) => Error): void {
  if (/\[/.test(path)) throw fail('sandbox: list indexes in targetPath are not implemented');
  const keys = path.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, '.'));
  let node = values;
  for (const k of keys.slice(0, -1)) {
    if (!isRecord(node[k])) node[k] = {};
    node = node[k] as Values;
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

/** Records the composed values (only when they changed); the stand-in logs that, never them. */
export async function recordValues(api: Api, hr: Obj, values: Values): Promise<boolean> {
  const namespace = hr.metadata.namespace ?? 'default';
  const name = valuesRecordName(hr.metadata.name ?? '');
  const encoded = Buffer.from(JSON.stringify(values), 'utf8').toString('base64');
  const live = await api.get({ apiVersion: 'v1', kind: 'Secret', name, namespace });
  if (at(live, 'data', 'values.json') === encoded) return false;
  await api.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { [VALUES_RECORD_LABEL]: hr.metadata.name ?? '' } },
      type: 'Opaque',
      data: { 'values.json': encoded },
    },
    'sandbox-helm-controller',
  );
  return true;
}
