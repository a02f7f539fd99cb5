/**
 * The shape of a Kubernetes object as far as this project needs it, and how objects are named
 * in messages. Everything beyond apiVersion/kind/metadata stays `unknown` on purpose: the apply
 * engine passes objects through, and readers narrow only the fields they look at.
 */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Enough to find one object: the name of an object in messages and in results. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** "Deployment flux-system/source-controller", "CustomResourceDefinition gitrepositories.source...". */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A key that tells objects apart across kinds and API groups (versions of a group are one object). */
export function refKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field without trusting the shape: get(obj, 'status', 'conditions'). */
export function field(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export function conditionsOf(obj: unknown): Condition[] {
  const raw = field(obj, 'status', 'conditions');
  if (!Array.isArray(raw)) return [];
  const out: Condition[] = [];
  for (const c of raw) {
    if (!isRecord(c) || typeof c.type !== 'string' || typeof c.status !== 'string') continue;
    const cond: Condition = { type: c.type, status: c.status };
    if (typeof c.reason === 'string') cond.reason = c.reason;
    if (typeof c.message === 'string') cond.message = c.message;
    if (typeof c.observedGeneration === 'number') cond.observedGeneration = c.observedGeneration;
    if (typeof c.lastTransitionTime === 'string') cond.lastTransitionTime = c.lastTransitionTime;
    out.push(cond);
  }
  return out;
}

export function conditionOf(obj: unknown, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}
