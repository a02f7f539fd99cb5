/**
 * Which fields kustomize's label, annotation, namespace and replica transformers write, by kind.
 * These are kustomize's built-in field specs (its `commonLabels`, `templateLabels`,
 * `commonAnnotations`, `namespace` and `replicas` configurations), written down here as data, and
 * the walk that follows one: `a/b[]/c` descends through mappings and through every element of a
 * list it meets; `create` makes missing mappings (and the leaf) on the way, except through lists.
 */
import { userError } from '../../primitives/errors.js';
import { isRecord, type KubeObject } from '../kube/object.js';
import { describeId, idOf } from './resource.js';

export interface FieldSpec {
  path: string;
  create: boolean;
  group?: string;
  version?: string;
  kind?: string;
}

const spec = (path: string, create: boolean, kind?: string, group?: string, version?: string): FieldSpec => ({
  path,
  create,
  ...(kind === undefined ? {} : { kind }),
  ...(group === undefined ? {} : { group }),
  ...(version === undefined ? {} : { version }),
});

const AFFINITY = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

/** metadata.labels and the labels of pod (and job) templates. */
export const TEMPLATE_LABELS: readonly FieldSpec[] = [
  spec('metadata/labels', true),
  spec('spec/template/metadata/labels', true, 'ReplicationController', undefined, 'v1'),
  spec('spec/template/metadata/labels', true, 'Deployment'),
  spec('spec/template/metadata/labels', true, 'ReplicaSet'),
  spec('spec/template/metadata/labels', true, 'DaemonSet'),
  spec('spec/template/metadata/labels', true, 'StatefulSet', 'apps'),
  spec('spec/template/metadata/labels', true, 'Job', 'batch'),
  spec('spec/jobTemplate/metadata/labels', true, 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/labels', true, 'CronJob', 'batch'),
];

/** Everything commonLabels (and labels with includeSelectors) writes: also selectors. */
export const COMMON_LABELS: readonly FieldSpec[] = [
  spec('spec/selector', true, 'Service', undefined, 'v1'),
  spec('spec/selector', true, 'ReplicationController', undefined, 'v1'),
  spec('spec/selector/matchLabels', true, 'Deployment'),
  ...AFFINITY.map((p) => spec(p, false, 'Deployment', 'apps')),
  spec('spec/selector/matchLabels', true, 'ReplicaSet'),
  spec('spec/selector/matchLabels', true, 'DaemonSet'),
  spec('spec/selector/matchLabels', true, 'StatefulSet', 'apps'),
  ...AFFINITY.map((p) => spec(p, false, 'StatefulSet', 'apps')),
  spec('spec/selector/matchLabels', false, 'Job', 'batch'),
  spec('spec/jobTemplate/spec/selector/matchLabels', false, 'CronJob', 'batch'),
  spec('spec/selector/matchLabels', false, 'PodDisruptionBudget', 'policy'),
  spec('spec/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  spec('spec/ingress/from/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  spec('spec/egress/to/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  ...TEMPLATE_LABELS,
  spec('spec/volumeClaimTemplates[]/metadata/labels', true, 'StatefulSet', 'apps'),
];

export const METADATA_LABELS: readonly FieldSpec[] = [spec('metadata/labels', true)];

export const COMMON_ANNOTATIONS: readonly FieldSpec[] = [
  spec('metadata/annotations', true),
  spec('spec/template/metadata/annotations', true, 'ReplicationController', undefined, 'v1'),
  spec('spec/template/metadata/annotations', true, 'Deployment'),
  spec('spec/template/metadata/annotations', true, 'ReplicaSet'),
  spec('spec/template/metadata/annotations', true, 'DaemonSet'),
  spec('spec/template/metadata/annotations', true, 'StatefulSet'),
  spec('spec/template/metadata/annotations', true, 'Job', 'batch'),
  spec('spec/jobTemplate/metadata/annotations', true, 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/annotations', true, 'CronJob', 'batch'),
];

/** Besides metadata.namespace, the fields the namespace transformer writes. */
export const NAMESPACE_FIELDS: readonly FieldSpec[] = [
  spec('spec/service/namespace', true, 'APIService', 'apiregistration.k8s.io'),
  spec(
    'spec/conversion/webhook/clientConfig/service/namespace',
    false,
    'CustomResourceDefinition',
    'apiextensions.k8s.io',
  ),
];

/** The kinds whose spec.replicas the replicas field sets. */
export const REPLICA_KINDS: readonly string[] = [
  'Deployment',
  'ReplicationController',
  'ReplicaSet',
  'StatefulSet',
];

/** Image references outside containers lists (image volumes). */
export const IMAGE_VOLUMES: readonly FieldSpec[] = [
  spec('spec/volumes[]/image/reference', false),
  spec('spec/template/spec/volumes[]/image/reference', false),
];

export function specApplies(s: FieldSpec, obj: KubeObject): boolean {
  const id = idOf(obj);
  return (
    (s.kind === undefined || s.kind === id.kind) &&
    (s.group === undefined || s.group === id.group) &&
    (s.version === undefined || s.version === id.version)
  );
}

/**
 * Calls `set(parent, key)` for every field the spec reaches in `obj` (mutating it). With create,
 * the leaf is passed even when missing, and missing mappings on the way are made.
 */
export function visitField(
  obj: KubeObject,
  s: FieldSpec,
  set: (parent: Record<string, unknown>, key: string) => void,
): void {
  if (!specApplies(s, obj)) return;
  const walk = (node: unknown, segments: readonly string[], at: string): void => {
    if (node === undefined || node === null) return;
    if (Array.isArray(node)) {
      for (const element of node) walk(element, segments, at);
      return;
    }
    if (!isRecord(node)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${describeId(idOf(obj))}: ${at || 'the object'} is a value where kustomize expects a mapping or a list`,
      );
    }
    const [head, ...rest] = segments as [string, ...string[]];
    const isList = head.endsWith('[]');
    const key = isList ? head.slice(0, -2) : head;
    const here = at === '' ? key : `${at}.${key}`;
    const create = s.create && !isList;
    if (rest.length === 0) {
      if ((node[key] === undefined || node[key] === null) && !create) return;
      set(node, key);
      return;
    }
    if ((node[key] === undefined || node[key] === null) && create) node[key] = {};
    walk(node[key], rest, here);
  };
  walk(obj, s.path.split('/'), '');
}

/** Sets string entries in the mapping at every field the specs reach (labels, annotations). */
export function addEntries(
  obj: KubeObject,
  specs: readonly FieldSpec[],
  entries: Record<string, string>,
): void {
  if (Object.keys(entries).length === 0) return;
  for (const s of specs) {
    visitField(obj, s, (parent, key) => {
      const current = parent[key];
      if (current !== undefined && current !== null && !isRecord(current)) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `${describeId(idOf(obj))}: ${s.path.replaceAll('/', '.')} is not a mapping`,
        );
      }
      parent[key] = { ...(current ?? {}), ...entries };
    });
  }
}
