/**
 * kustomize's field transformers: namespace, labels and commonLabels, commonAnnotations,
 * replicas. Each takes a kustomization's objects and returns them changed, never mutating its
 * input (resources are copied first).
 */
import { userError } from '../../primitives/errors.js';
import { isRecord } from '../kube/object.js';
import {
  addEntries,
  COMMON_ANNOTATIONS,
  COMMON_LABELS,
  type FieldSpec,
  METADATA_LABELS,
  NAMESPACE_FIELDS,
  REPLICA_KINDS,
  TEMPLATE_LABELS,
  visitField,
} from './field-specs.js';
import type { Kustomization } from './kustomization.js';
import { allIds, clone, describeId, idOf, isClusterScoped, type Resource, sameId } from './resource.js';

/**
 * Puts every namespaced object in `namespace` (overriding what it had), renames a v1 Namespace
 * object to it, and points the fields that name a namespace at it: an APIService's service, a
 * CRD's conversion webhook service, and RoleBinding/ClusterRoleBinding subjects named "default"
 * (kustomize's default for subjects). Two objects ending up with one id is an error, as there.
 */
export function setNamespace(resources: Resource[], namespace: string, where: string): Resource[] {
  const out = resources.map((r) => {
    const before = idOf(r.object);
    const object = clone(r.object);
    if (!isClusterScoped(object.kind)) object.metadata.namespace = namespace;
    if (object.kind === 'Namespace' && object.apiVersion === 'v1') object.metadata.name = namespace;
    for (const s of NAMESPACE_FIELDS) setScalar(object, s, namespace);
    if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
      const subjects = object['subjects'];
      if (Array.isArray(subjects)) {
        for (const subject of subjects) {
          if (isRecord(subject) && subject['name'] === 'default') subject['namespace'] = namespace;
        }
      }
    }
    return { object, previous: [...r.previous, before] };
  });
  out.forEach((r, i) => {
    const id = idOf(r.object);
    const clash = out.findIndex((o, j) => j !== i && sameId(idOf(o.object), id));
    if (clash >= 0) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: namespace "${namespace}" gives two objects the id ${describeId(id)}`,
      );
    }
  });
  return out;
}

function setScalar(object: Resource['object'], s: FieldSpec, value: string): void {
  visitField(object, s, (parent, key) => {
    parent[key] = value;
  });
}

/**
 * `labels` entries in order, then `commonLabels`. commonLabels (and a labels entry with
 * includeSelectors) also go into selectors and pod templates, which is what keeps a Deployment's
 * selector matching its pods; includeTemplates adds them to templates but not selectors.
 */
export function addLabels(resources: Resource[], k: Kustomization): Resource[] {
  const plan: [readonly FieldSpec[], Record<string, string>][] = k.labels.map((l) => [
    l.includeSelectors ? COMMON_LABELS : l.includeTemplates ? TEMPLATE_LABELS : METADATA_LABELS,
    l.pairs,
  ]);
  plan.push([COMMON_LABELS, k.commonLabels]);
  if (plan.every(([, pairs]) => Object.keys(pairs).length === 0)) return resources;
  return resources.map((r) => {
    const object = clone(r.object);
    for (const [specs, pairs] of plan) addEntries(object, specs, pairs);
    return { ...r, object };
  });
}

/** commonAnnotations: metadata and the pod (and job) templates. */
export function addAnnotations(resources: Resource[], annotations: Record<string, string>): Resource[] {
  if (Object.keys(annotations).length === 0) return resources;
  return resources.map((r) => {
    const object = clone(r.object);
    addEntries(object, COMMON_ANNOTATIONS, annotations);
    return { ...r, object };
  });
}

/**
 * `replicas`: sets spec.replicas of the Deployments, ReplicationControllers, ReplicaSets and
 * StatefulSets with that name (now or before a namespace change). A name that matches none of
 * them is an error, as in kustomize: the count would silently go nowhere.
 */
export function setReplicas(resources: Resource[], k: Kustomization, where: string): Resource[] {
  let out = resources;
  k.replicas.forEach((entry, i) => {
    let found = false;
    out = out.map((r) => {
      const named = allIds(r).some((id) => id.name === entry.name);
      if (!named || !REPLICA_KINDS.includes(r.object.kind)) return r;
      found = true;
      const object = clone(r.object);
      const spec = isRecord(object['spec']) ? object['spec'] : {};
      object['spec'] = { ...spec, replicas: entry.count };
      return { ...r, object };
    });
    if (!found) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: replicas[${i}]: no ${REPLICA_KINDS.join(', ')} named "${entry.name}" in this kustomization`,
      );
    }
  });
  return out;
}

/** kustomize leaves out objects annotated `config.kubernetes.io/local-config` (unless "false"). */
export function withoutLocalConfig(resources: Resource[]): Resource[] {
  return resources.filter((r) => {
    const value = r.object.metadata.annotations?.['config.kubernetes.io/local-config'];
    return value === undefined || value === 'false';
  });
}
