/**
 * The per-object transformations of a kustomization.yaml, in kustomize's order after patches:
 * namespace, commonLabels / labels, commonAnnotations, images, replicas.
 */
import { isRecord, type Obj } from './api.js';
import { BuildError } from './errors.js';

/** namespace, labels, annotations, images and replicas of one kustomization.yaml, on one object. */
export function transform(label: string, k: Record<string, unknown>, obj: Obj, clusterScoped: boolean): Obj {
  const o = structuredClone(obj);
  if (typeof k['namespace'] === 'string') setNamespace(o, k['namespace'], clusterScoped);
  if (isRecord(k['commonLabels']))
    addLabels(o, strings(k['commonLabels'], `${label}: commonLabels`), true, true);
  for (const [i, l] of list(k['labels'], `${label}: labels`).entries()) {
    if (!isRecord(l)) throw new BuildError(`${label}: labels[${i}] must be a mapping`);
    const extra = Object.keys(l).filter(
      (f) => !['pairs', 'includeSelectors', 'includeTemplates'].includes(f),
    );
    if (extra.length > 0)
      throw new BuildError(
        `${label}: labels[${i}].${extra[0]}: not implemented by the sandbox's kustomize stand-in`,
      );
    addLabels(
      o,
      strings(l['pairs'] ?? {}, `${label}: labels[${i}].pairs`),
      l['includeSelectors'] === true,
      l['includeSelectors'] === true || l['includeTemplates'] === true,
    );
  }
  if (isRecord(k['commonAnnotations'])) {
    o.metadata.annotations = {
      ...(o.metadata.annotations ?? {}),
      ...strings(k['commonAnnotations'], `${label}: commonAnnotations`),
    };
  }
  for (const [i, img] of list(k['images'], `${label}: images`).entries())
    setImage(o, img, `${label}: images[${i}]`);
  for (const [i, r] of list(k['replicas'], `${label}: replicas`).entries()) {
    if (!isRecord(r) || typeof r['name'] !== 'string' || typeof r['count'] !== 'number')
      throw new BuildError(`${label}: replicas[${i}] needs name and count`);
    if (
      o.metadata.name === r['name'] &&
      ['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'].includes(o.kind)
    ) {
      o['spec'] = { ...(isRecord(o['spec']) ? o['spec'] : {}), replicas: r['count'] };
    }
  }
  return o;
}

/**
 * kustomize's namespace transformer: namespaced objects move, and ServiceAccount subjects of role
 * bindings that named no namespace or `default` follow them.
 */
export function setNamespace(o: Obj, namespace: string, clusterScoped: boolean): void {
  if (!clusterScoped) o.metadata.namespace = namespace;
  if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
    for (const s of Array.isArray(o['subjects']) ? o['subjects'] : []) {
      if (
        isRecord(s) &&
        s['kind'] === 'ServiceAccount' &&
        (s['namespace'] === undefined || s['namespace'] === 'default')
      ) {
        s['namespace'] = namespace;
      }
    }
  }
}

const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

function addLabels(o: Obj, labels: Record<string, string>, selectors: boolean, templates: boolean): void {
  if (Object.keys(labels).length === 0) return;
  o.metadata.labels = { ...(o.metadata.labels ?? {}), ...labels };
  if (!isBuiltIn(o.apiVersion)) return;
  const spec = isRecord(o['spec']) ? o['spec'] : undefined;
  if (!spec) return;
  const merge = (holder: Record<string, unknown>, key: string) => {
    holder[key] = { ...(isRecord(holder[key]) ? holder[key] : {}), ...labels };
  };
  if (selectors && (o.kind === 'Service' || o.kind === 'ReplicationController')) merge(spec, 'selector');
  if (selectors && ((WORKLOADS.has(o.kind) && o.kind !== 'Job') || o.kind === 'PodDisruptionBudget')) {
    spec['selector'] = isRecord(spec['selector']) ? spec['selector'] : {};
    merge(spec['selector'] as Record<string, unknown>, 'matchLabels');
  }
  if (selectors && o.kind === 'NetworkPolicy') {
    throw new BuildError(
      `${o.kind}/${o.metadata.name}: commonLabels on NetworkPolicy selectors is not implemented by the sandbox's kustomize stand-in`,
    );
  }
  const template =
    o.kind === 'CronJob'
      ? at2(spec, 'jobTemplate', 'spec', 'template')
      : WORKLOADS.has(o.kind)
        ? at2(spec, 'template')
        : undefined;
  if (templates && template) {
    template['metadata'] = isRecord(template['metadata']) ? template['metadata'] : {};
    merge(template['metadata'] as Record<string, unknown>, 'labels');
  }
}

function at2(v: Record<string, unknown>, ...path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = v;
  for (const p of path) cur = isRecord(cur) ? cur[p] : undefined;
  return isRecord(cur) ? cur : undefined;
}

function setImage(o: Obj, img: unknown, where: string): void {
  if (!isRecord(img) || typeof img['name'] !== 'string') throw new BuildError(`${where} needs a name`);
  const extra = Object.keys(img).filter((f) => !['name', 'newName', 'newTag', 'digest'].includes(f));
  if (extra.length > 0)
    throw new BuildError(`${where}.${extra[0]}: not implemented by the sandbox's kustomize stand-in`);
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      for (const c of v) {
        if (
          (key === 'containers' || key === 'initContainers') &&
          isRecord(c) &&
          typeof c['image'] === 'string'
        ) {
          c['image'] = renamed(c['image'], img);
        }
        walk(c, '');
      }
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(o, '');
}

function renamed(image: string, img: Record<string, unknown>): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  const hasTag = colon > base.lastIndexOf('/');
  const name = hasTag ? base.slice(0, colon) : base;
  if (name !== img['name']) return image;
  const newName = typeof img['newName'] === 'string' ? img['newName'] : name;
  if (typeof img['digest'] === 'string') return `${newName}@${img['digest']}`;
  const tag = typeof img['newTag'] === 'string' ? `:${img['newTag']}` : hasTag ? base.slice(colon) : '';
  return `${newName}${tag}${at >= 0 && img['newTag'] === undefined ? image.slice(at) : ''}`;
}

export function isBuiltIn(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

function strings(v: unknown, where: string): Record<string, string> {
  if (!isRecord(v)) throw new BuildError(`${where} must be a mapping`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

export function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BuildError(`${where} must be a list`);
  return v;
}
