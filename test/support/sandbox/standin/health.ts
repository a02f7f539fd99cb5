/**
 * Readiness of applied objects for `wait` / `healthChecks`, after kstatus (which
 * kustomize-controller uses) for the kinds our fleets hold: workloads by their replica counts at
 * the current generation, Jobs by completion, Namespaces Active, CRDs Established, PVCs Bound,
 * LoadBalancer Services by an ingress address, objects with a Ready condition (Flux's own) by it
 * at their generation. Anything else is ready once it exists, as kstatus says for kinds without
 * status.
 */
import { at, type Obj } from './api.js';
import { conditionsOf } from './conditions.js';

export type Health = 'Current' | 'InProgress' | 'Failed';

export function healthOf(o: Obj): Health {
  const gen = o.metadata.generation;
  const observed = at(o, 'status', 'observedGeneration');
  const num = (...p: string[]) => (typeof at(o, ...p) === 'number' ? (at(o, ...p) as number) : 0);
  const stale = gen !== undefined && observed !== undefined && observed !== gen;
  switch (o.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet': {
      const want = typeof at(o, 'spec', 'replicas') === 'number' ? (at(o, 'spec', 'replicas') as number) : 1;
      const ready =
        o.kind === 'Deployment' ? num('status', 'availableReplicas') : num('status', 'readyReplicas');
      return !stale &&
        observed !== undefined &&
        ready >= want &&
        (o.kind !== 'Deployment' || num('status', 'updatedReplicas') >= want)
        ? 'Current'
        : 'InProgress';
    }
    case 'DaemonSet':
      return !stale &&
        observed !== undefined &&
        num('status', 'numberReady') >= num('status', 'desiredNumberScheduled') &&
        num('status', 'desiredNumberScheduled') > 0
        ? 'Current'
        : 'InProgress';
    case 'Job':
      if (conditionsOf(o).some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
      return conditionsOf(o).some((c) => c.type === 'Complete' && c.status === 'True')
        ? 'Current'
        : 'InProgress';
    case 'Namespace':
      return at(o, 'status', 'phase') === 'Active' ? 'Current' : 'InProgress';
    case 'CustomResourceDefinition':
      return conditionsOf(o).some((c) => c.type === 'Established' && c.status === 'True')
        ? 'Current'
        : 'InProgress';
    case 'PersistentVolumeClaim':
      return at(o, 'status', 'phase') === 'Bound' ? 'Current' : 'InProgress';
    case 'Service':
      return at(o, 'spec', 'type') !== 'LoadBalancer' ||
        Array.isArray(at(o, 'status', 'loadBalancer', 'ingress'))
        ? 'Current'
        : 'InProgress';
    default: {
      const ready = conditionsOf(o).find((c) => c.type === 'Ready');
      if (!ready) return 'Current';
      if (stale) return 'InProgress';
      return ready.status === 'True' ? 'Current' : ready.status === 'False' ? 'Failed' : 'InProgress';
    }
  }
}
