/**
 * An object while a kustomization is being built, and how kustomize tells objects apart: by
 * group, version, kind, name and *effective* namespace (no namespace and `default` are the same
 * place; cluster-scoped kinds have none). An object also remembers the ids it had before a
 * namespace transformer moved it, because kustomize lets a parent's patch or replica count find
 * it by either.
 */
import { isRecord, type KubeObject } from '../kube/object.js';

export interface Resource {
  object: KubeObject;
  /** Ids before each namespace change, oldest first. */
  previous: ResId[];
}

export interface ResId {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
}

export function resource(object: KubeObject): Resource {
  return { object, previous: [] };
}

export function idOf(obj: KubeObject): ResId {
  const slash = obj.apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : obj.apiVersion.slice(0, slash),
    version: slash < 0 ? obj.apiVersion : obj.apiVersion.slice(slash + 1),
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
  };
}

/** The current id, then the earlier ones (the order kustomize searches them in). */
export function allIds(r: Resource): ResId[] {
  return [idOf(r.object), ...r.previous];
}

/** The id the object started with, before any namespace transformer. */
export function originalId(r: Resource): ResId {
  return r.previous[0] ?? idOf(r.object);
}

export function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id.kind)) return '';
  return id.namespace === '' ? 'default' : id.namespace;
}

export function sameId(a: ResId, b: ResId): boolean {
  return (
    a.group === b.group &&
    a.version === b.version &&
    a.kind === b.kind &&
    a.name === b.name &&
    effectiveNamespace(a) === effectiveNamespace(b)
  );
}

export function describeId(id: ResId): string {
  const ns = effectiveNamespace(id);
  return `${id.kind} ${ns === '' ? '' : `${ns}/`}${id.name}`;
}

/**
 * Kubernetes' own cluster-scoped kinds. kustomize knows them from the OpenAPI document it
 * embeds; any other kind (a custom resource included) it treats as namespaced, and so do we.
 */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'StorageClass',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** A deep copy of plain YAML data (objects are never shared between resources or patches). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function annotationsOf(obj: KubeObject): Record<string, string> {
  return isRecord(obj.metadata.annotations) ? obj.metadata.annotations : {};
}

export function labelsOf(obj: KubeObject): Record<string, string> {
  return isRecord(obj.metadata.labels) ? obj.metadata.labels : {};
}
