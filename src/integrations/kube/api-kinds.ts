/**
 * Which kinds a cluster serves before anything is applied to it: Kubernetes' own APIs for a
 * minor version, and the kinds CustomResourceDefinitions add. The layer check of a profile
 * (nothing may use a kind that does not exist yet when its layer is applied) is built on these.
 *
 * The table lists the APIs enabled by default (GA ones; betas are off by default since 1.24) for
 * the versions EKS offers, 1.28 and later, with the releases that added or removed them, as the
 * Kubernetes deprecation guide and release notes give them. A version newer than the table is
 * read as the newest one in it (APIs are added far more often than removed).
 */
import { field, isRecord, type KubeObject } from './object.js';

export interface ApiKind {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
}

interface Served {
  apiVersion: string;
  kinds: readonly string[];
  /** First minor version (1.x) serving it, when later than the table's start. */
  since?: number;
  /** Last minor version serving it. */
  until?: number;
}

export const FIRST_KNOWN_MINOR = 28;
export const LAST_KNOWN_MINOR = 35;

const BUILTIN: readonly Served[] = [
  {
    apiVersion: 'v1',
    kinds: [
      'Binding',
      'ConfigMap',
      'Endpoints',
      'Event',
      'LimitRange',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'Pod',
      'PodTemplate',
      'ReplicationController',
      'ResourceQuota',
      'Secret',
      'Service',
      'ServiceAccount',
    ],
  },
  {
    apiVersion: 'apps/v1',
    kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  },
  { apiVersion: 'autoscaling/v1', kinds: ['HorizontalPodAutoscaler'] },
  { apiVersion: 'autoscaling/v2', kinds: ['HorizontalPodAutoscaler'] },
  { apiVersion: 'batch/v1', kinds: ['CronJob', 'Job'] },
  { apiVersion: 'policy/v1', kinds: ['PodDisruptionBudget'] },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'] },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['IPAddress', 'ServiceCIDR'], since: 33 },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  },
  {
    apiVersion: 'storage.k8s.io/v1',
    kinds: ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
  },
  { apiVersion: 'storage.k8s.io/v1', kinds: ['VolumeAttributesClass'], since: 34 },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
    since: 30,
  },
  { apiVersion: 'apiextensions.k8s.io/v1', kinds: ['CustomResourceDefinition'] },
  { apiVersion: 'apiregistration.k8s.io/v1', kinds: ['APIService'] },
  { apiVersion: 'authentication.k8s.io/v1', kinds: ['SelfSubjectReview', 'TokenReview'] },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kinds: [
      'LocalSubjectAccessReview',
      'SelfSubjectAccessReview',
      'SelfSubjectRulesReview',
      'SubjectAccessReview',
    ],
  },
  { apiVersion: 'certificates.k8s.io/v1', kinds: ['CertificateSigningRequest'] },
  { apiVersion: 'coordination.k8s.io/v1', kinds: ['Lease'] },
  { apiVersion: 'discovery.k8s.io/v1', kinds: ['EndpointSlice'] },
  { apiVersion: 'events.k8s.io/v1', kinds: ['Event'] },
  { apiVersion: 'node.k8s.io/v1', kinds: ['RuntimeClass'] },
  { apiVersion: 'scheduling.k8s.io/v1', kinds: ['PriorityClass'] },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    until: 28,
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    until: 31,
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    since: 29,
  },
  {
    apiVersion: 'resource.k8s.io/v1',
    kinds: ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice'],
    since: 34,
  },
];

/** Kubernetes' own kinds served by default at a minor version such as "1.34". */
export function builtinKinds(kubernetesVersion: string): ApiKind[] {
  const minor = Math.min(Math.max(minorOf(kubernetesVersion), FIRST_KNOWN_MINOR), LAST_KNOWN_MINOR);
  return BUILTIN.filter(
    (s) => (s.since ?? 0) <= minor && minor <= (s.until ?? Number.POSITIVE_INFINITY),
  ).flatMap((s) => s.kinds.map((kind) => ({ ...splitApiVersion(s.apiVersion), kind })));
}

/** The kinds a CustomResourceDefinition object serves (one per served version); none for others. */
export function kindsDefinedBy(obj: KubeObject | Record<string, unknown>): ApiKind[] {
  if (
    obj['kind'] !== 'CustomResourceDefinition' ||
    !String(obj['apiVersion']).startsWith('apiextensions.k8s.io/')
  )
    return [];
  const group = field(obj, 'spec', 'group');
  const kind = field(obj, 'spec', 'names', 'kind');
  const versions = field(obj, 'spec', 'versions');
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return [];
  return versions
    .filter((v) => isRecord(v) && typeof v['name'] === 'string' && v['served'] !== false)
    .map((v) => ({ group, version: String((v as Record<string, unknown>)['name']), kind }));
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function minorOf(version: string): number {
  const m = /^1\.(\d+)/.exec(version);
  return m ? Number(m[1]) : LAST_KNOWN_MINOR;
}
