/** Conditions as Flux's controllers write them (metav1.Condition), and change detection. */
import { at, isRecord, now, type Obj } from './api.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  observedGeneration: number,
): Condition {
  return { type, status, reason, message, observedGeneration, lastTransitionTime: now() };
}

export function conditionsOf(obj: unknown): Condition[] {
  const list = at(obj, 'status', 'conditions');
  return Array.isArray(list) ? (list.filter(isRecord) as unknown as Condition[]) : [];
}

export function readyOf(obj: unknown): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === 'Ready');
}

/** Would writing these conditions change anything but timestamps? */
export function conditionsChanged(obj: Obj, next: readonly Condition[]): boolean {
  const current = conditionsOf(obj);
  if (current.length !== next.length) return true;
  return next.some((n) => {
    const c = current.find((x) => x.type === n.type);
    return (
      !c ||
      c.status !== n.status ||
      c.reason !== n.reason ||
      c.message !== n.message ||
      c.observedGeneration !== n.observedGeneration
    );
  });
}

/** Keeps lastTransitionTime of conditions whose status did not change, as Kubernetes expects. */
export function keepTransitionTimes(obj: Obj, next: Condition[]): Condition[] {
  const current = conditionsOf(obj);
  return next.map((n) => {
    const c = current.find((x) => x.type === n.type);
    return c && c.status === n.status ? { ...n, lastTransitionTime: c.lastTransitionTime } : n;
  });
}
