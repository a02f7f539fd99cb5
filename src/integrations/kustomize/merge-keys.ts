/**
 * Where a strategic merge patch merges lists instead of replacing them. kustomize reads this from
 * the Kubernetes OpenAPI document it embeds (`x-kubernetes-patch-strategy: merge` with its
 * `x-kubernetes-patch-merge-key` and `x-kubernetes-list-map-keys`); we write down the part of it
 * for the kinds our manifests use. Every other list, and every list of a kind Kubernetes does not
 * define (custom resources such as a HelmRelease), is replaced whole by the patch, as kustomize
 * does when it has no schema.
 */
import type { ResId } from './resource.js';

export interface Schema {
  fields?: Record<string, Schema>;
  /** Elements of a list (the schema of each element). */
  items?: Schema;
  /**
   * Present on lists merged element by element. The first key identifies an element; the
   * others (the protocol of a port) tell elements apart only when both sides set them. An
   * empty list merges a list of plain values as a set (finalizers).
   */
  mergeKeys?: readonly string[];
}

const merged = (keys: readonly string[], items?: Schema): Schema =>
  items === undefined ? { mergeKeys: keys } : { mergeKeys: keys, items };

const objectMeta: Schema = {
  fields: { finalizers: merged([]), ownerReferences: merged(['uid']) },
};

const container: Schema = {
  fields: {
    env: merged(['name']),
    ports: merged(['containerPort', 'protocol']),
    volumeMounts: merged(['mountPath']),
    volumeDevices: merged(['devicePath']),
  },
};

const podSpec: Schema = {
  fields: {
    containers: merged(['name'], container),
    initContainers: merged(['name'], container),
    ephemeralContainers: merged(['name'], container),
    volumes: merged(['name']),
    imagePullSecrets: merged(['name']),
    hostAliases: merged(['ip']),
    topologySpreadConstraints: merged(['topologyKey', 'whenUnsatisfiable']),
  },
};

const podTemplate: Schema = { fields: { metadata: objectMeta, spec: podSpec } };

const withMeta = (fields: Record<string, Schema>): Schema => ({
  fields: { metadata: objectMeta, ...fields },
});

/** `spec.template` holds a pod template. */
const workload = withMeta({ spec: { fields: { template: podTemplate } } });

const cronJob = withMeta({
  spec: {
    fields: {
      jobTemplate: { fields: { metadata: objectMeta, spec: { fields: { template: podTemplate } } } },
    },
  },
});

const BY_KIND: Record<string, Record<string, Schema>> = {
  '': {
    Pod: withMeta({ spec: podSpec }),
    PodTemplate: withMeta({ template: podTemplate }),
    ReplicationController: workload,
    Service: withMeta({ spec: { fields: { ports: merged(['port', 'protocol']) } } }),
    ServiceAccount: withMeta({ secrets: merged(['name']) }),
  },
  apps: { Deployment: workload, ReplicaSet: workload, DaemonSet: workload, StatefulSet: workload },
  batch: { Job: workload, CronJob: cronJob },
  'admissionregistration.k8s.io': {
    MutatingWebhookConfiguration: withMeta({ webhooks: merged(['name']) }),
    ValidatingWebhookConfiguration: withMeta({ webhooks: merged(['name']) }),
  },
};

/** API groups Kubernetes defines: their objects at least have ObjectMeta's merge rules. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'flowcontrol.apiserver.k8s.io',
]);

/** The merge schema of an object, or undefined for kinds Kubernetes does not define. */
export function schemaFor(id: ResId): Schema | undefined {
  const byGroup = BY_KIND[id.group];
  const known = byGroup?.[id.kind];
  if (known) return known;
  return BUILT_IN_GROUPS.has(id.group) ? withMeta({}) : undefined;
}
