/**
 * kustomize's last step (its name reference transformer), for the references our dialect can
 * change: ones that name an object *and its namespace*. A `namespace` field can move a
 * ServiceAccount or a Service, and kustomize then points the RoleBinding/ClusterRoleBinding
 * subjects and webhook client configs that name it at the new namespace. References by name
 * alone never change here, because nothing in the dialect renames an object.
 *
 * Like kustomize, only objects that a transformer has touched (that have a previous id) are
 * candidates, a reference with a namespace looks among objects that were (or else are) in that
 * namespace, and a namespaced referrer sees objects of its own namespace, cluster-scoped ones,
 * ServiceAccounts, and for a RoleBinding the namespaces its ServiceAccount subjects name.
 */
import { userError } from '../../primitives/errors.js';
import { isRecord } from '../kube/object.js';
import { visitField } from './field-specs.js';
import {
  describeId,
  effectiveNamespace,
  idOf,
  isClusterScoped,
  originalId,
  type Resource,
} from './resource.js';

interface Reference {
  /** The kind referred to (a v1 object). */
  kind: string;
  referrers: { kind: string; group: string; path: string }[];
}

const RBAC = 'rbac.authorization.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';

const REFERENCES: Reference[] = [
  {
    kind: 'ServiceAccount',
    referrers: [
      { kind: 'RoleBinding', group: RBAC, path: 'subjects' },
      { kind: 'ClusterRoleBinding', group: RBAC, path: 'subjects' },
    ],
  },
  {
    kind: 'Service',
    referrers: [
      { kind: 'ValidatingWebhookConfiguration', group: ADMISSION, path: 'webhooks/clientConfig/service' },
      { kind: 'MutatingWebhookConfiguration', group: ADMISSION, path: 'webhooks/clientConfig/service' },
    ],
  },
];

/** Updates the namespaces references carry; objects are copied, never mutated. */
export function fixBackReferences(resources: Resource[]): Resource[] {
  return resources.map((referrer) => {
    let copy: Resource | undefined;
    for (const ref of REFERENCES) {
      for (const spec of ref.referrers) {
        const id = idOf(referrer.object);
        if (id.kind !== spec.kind || id.group !== spec.group) continue;
        copy ??= { ...referrer, object: structuredClone(referrer.object) };
        const target = copy;
        const candidates = reachableFrom(resources, referrer);
        visitField(target.object, { path: spec.path, create: false }, (parent, key) => {
          const value = parent[key];
          const maps = Array.isArray(value) ? value : [value];
          for (const m of maps) if (isRecord(m)) point(m, ref.kind, candidates, referrer);
        });
      }
    }
    return copy ?? referrer;
  });
}

/** Sets the namespace (and name) of one reference `{name, namespace?}` from what it refers to. */
function point(
  reference: Record<string, unknown>,
  kind: string,
  candidates: Resource[],
  referrer: Resource,
): void {
  const name = reference['name'];
  if (typeof name !== 'string') return;
  let pool = candidates;
  if (typeof reference['namespace'] === 'string') {
    const ns = reference['namespace'];
    const wasThere = candidates.filter((c) => effectiveNamespace(originalId(c)) === ns);
    pool =
      wasThere.length > 0 ? wasThere : candidates.filter((c) => effectiveNamespace(idOf(c.object)) === ns);
  }
  const referrerId = idOf(referrer.object);
  const matches = pool.filter(
    (c) =>
      c.object.apiVersion === 'v1' &&
      c.previous.some((p) => p.name === name && p.kind === kind) &&
      (isClusterScoped(referrerId.kind) ||
        isClusterScoped(c.object.kind) ||
        c.object.kind === 'ServiceAccount' ||
        effectiveNamespace(idOf(c.object)) === effectiveNamespace(referrerId)),
  );
  if (matches.length === 0) return;
  const referral = matches[0]!.object.metadata;
  if (
    matches.some(
      (m) => m.object.metadata.name !== referral.name || m.object.metadata.namespace !== referral.namespace,
    )
  ) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${describeId(referrerId)}: the reference to ${kind} "${name}" could mean ${matches.map((m) => describeId(idOf(m.object))).join(' or ')}`,
      { hint: 'give the reference a namespace' },
    );
  }
  if (referral.name === name && !referral.namespace) return;
  reference['name'] = referral.name;
  if (referral.namespace) reference['namespace'] = referral.namespace;
}

/** The objects a referrer may refer to, as kustomize narrows them down before looking. */
function reachableFrom(resources: Resource[], referrer: Resource): Resource[] {
  const id = idOf(referrer.object);
  if (isClusterScoped(id.kind)) return resources;
  const subjectNamespaces = new Set<string>();
  const subjects = referrer.object['subjects'];
  if (id.kind === 'RoleBinding' && Array.isArray(subjects)) {
    for (const s of subjects) {
      if (isRecord(s) && s['kind'] === 'ServiceAccount' && typeof s['namespace'] === 'string') {
        subjectNamespaces.add(s['namespace']);
      }
    }
  }
  return resources.filter((r) => {
    const other = idOf(r.object);
    return (
      isClusterScoped(other.kind) ||
      effectiveNamespace(other) === effectiveNamespace(id) ||
      subjectNamespaces.has(other.namespace)
    );
  });
}
