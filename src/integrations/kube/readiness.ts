/**
 * Is this object ready? Pure functions over an object as read from the API server, answering
 * the way the owning controller reports progress:
 *   Deployment   the controller has seen the latest spec (observedGeneration), and updated and
 *                available replicas reach the desired count
 *   CRD          Established
 *   Namespace    Active
 *   Flux objects Ready=True, for the current generation; Stalled=True is a failure
 *   Kustomization / GitRepository, when a revision is expected: applied / fetched that revision
 *   NodePool (karpenter.sh), NodeClass (eks.amazonaws.com): Ready=True (Karpenter's NodePool
 *                Ready aggregates ValidationSucceeded and NodeClassReady)
 * Anything else counts as ready once it exists.
 */
import { conditionOf, field, groupOf, type KubeObject } from './object.js';

export interface Readiness {
  ready: boolean;
  /** One line: why not ready yet, or what ready means here ("1/1 available"). */
  reason: string;
  /** True when waiting longer will not help (Stalled, ProgressDeadlineExceeded). */
  failed?: boolean;
}

export interface ReadinessExpectation {
  /** A Git revision (commit SHA, or Flux's "branch@sha1:<sha>"). */
  revision?: string;
}

export function readinessOf(obj: KubeObject, expect: ReadinessExpectation = {}): Readiness {
  if (obj.metadata.deletionTimestamp !== undefined) return { ready: false, reason: 'being deleted' };
  if (obj.kind === 'Deployment' && groupOf(obj.apiVersion) === 'apps') return deploymentReadiness(obj);
  if (obj.kind === 'CustomResourceDefinition') return crdReadiness(obj);
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
    const phase = field(obj, 'status', 'phase');
    return phase === 'Active'
      ? { ready: true, reason: 'Active' }
      : { ready: false, reason: `phase ${phase ?? 'unknown'}` };
  }
  if (groupOf(obj.apiVersion).endsWith('.toolkit.fluxcd.io')) return fluxReadiness(obj, expect);
  if (isNodeCapacity(obj)) return readyCondition(obj);
  return { ready: true, reason: 'exists' };
}

/** The kinds that say whether a cluster can make nodes: Auto Mode's (and Karpenter's) pools. */
function isNodeCapacity(obj: KubeObject): boolean {
  const group = groupOf(obj.apiVersion);
  return (
    (group === 'karpenter.sh' && obj.kind === 'NodePool') ||
    (group === 'eks.amazonaws.com' && obj.kind === 'NodeClass')
  );
}

function readyCondition(obj: KubeObject): Readiness {
  const ready = conditionOf(obj, 'Ready');
  if (!ready) return { ready: false, reason: 'no Ready condition yet' };
  return ready.status === 'True'
    ? { ready: true, reason: join(ready.reason, ready.message) || 'Ready' }
    : { ready: false, reason: `Ready=${ready.status}: ${join(ready.reason, ready.message)}` };
}

function deploymentReadiness(obj: KubeObject): Readiness {
  const generation = obj.metadata.generation ?? 0;
  const observed = num(field(obj, 'status', 'observedGeneration'));
  if (observed < generation) {
    return {
      ready: false,
      reason: `controller has not seen generation ${generation} yet (observed ${observed})`,
    };
  }
  const progressing = conditionOf(obj, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      ready: false,
      failed: true,
      reason: `ProgressDeadlineExceeded: ${progressing.message ?? ''}`.trim(),
    };
  }
  const specReplicas = field(obj, 'spec', 'replicas');
  const desired = typeof specReplicas === 'number' ? specReplicas : 1;
  const updated = num(field(obj, 'status', 'updatedReplicas'));
  const available = num(field(obj, 'status', 'availableReplicas'));
  const total = num(field(obj, 'status', 'replicas'));
  if (updated < desired) return { ready: false, reason: `${updated}/${desired} replicas updated` };
  if (total > updated) return { ready: false, reason: `${total - updated} old replicas still running` };
  if (available < desired) return { ready: false, reason: `${available}/${desired} available` };
  return { ready: true, reason: `${available}/${desired} available` };
}

function crdReadiness(obj: KubeObject): Readiness {
  const established = conditionOf(obj, 'Established');
  if (established?.status === 'True') return { ready: true, reason: 'Established' };
  const names = conditionOf(obj, 'NamesAccepted');
  if (names?.status === 'False') {
    return {
      ready: false,
      failed: true,
      reason: `NamesAccepted=False: ${names.reason ?? ''} ${names.message ?? ''}`.trim(),
    };
  }
  return { ready: false, reason: 'not Established yet' };
}

function fluxReadiness(obj: KubeObject, expect: ReadinessExpectation): Readiness {
  const generation = obj.metadata.generation ?? 0;
  const ready = conditionOf(obj, 'Ready');
  // Flux stamps the generation it saw on each condition, and moves status.observedGeneration only
  // when a reconciliation succeeds: after a failure it stays behind while the Ready condition is
  // current and says why. The condition's own stamp decides; status.observedGeneration only
  // stands in for it when the condition has none (older controllers).
  const stamp = ready?.observedGeneration ?? field(obj, 'status', 'observedGeneration');
  const observed = typeof stamp === 'number' ? stamp : -1;
  if (observed < generation) {
    return {
      ready: false,
      reason: `status is for generation ${observed < 0 ? 'none' : observed}, the object is at generation ${generation}`,
    };
  }
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled?.status === 'True') {
    return { ready: false, failed: true, reason: `Stalled: ${join(stalled.reason, stalled.message)}` };
  }
  if (!ready) return { ready: false, reason: 'no Ready condition yet' };
  if (ready.status !== 'True') {
    return { ready: false, reason: `Ready=${ready.status}: ${join(ready.reason, ready.message)}` };
  }
  if (expect.revision !== undefined) {
    const actual =
      obj.kind === 'Kustomization' || obj.kind === 'HelmRelease'
        ? field(obj, 'status', 'lastAppliedRevision')
        : field(obj, 'status', 'artifact', 'revision');
    const what = obj.kind === 'Kustomization' ? 'applied' : 'at';
    if (typeof actual !== 'string' || !revisionMatches(actual, expect.revision)) {
      return {
        ready: false,
        reason: `${what} revision ${typeof actual === 'string' ? actual : 'none'}, waiting for ${shortRevision(expect.revision)}`,
      };
    }
    return { ready: true, reason: `Ready, ${what} ${actual}` };
  }
  return { ready: true, reason: join(ready.reason, ready.message) || 'Ready' };
}

/**
 * Flux writes revisions as "main@sha1:<sha>" (v2 API), "sha1:<sha>" or, before, "main/<sha>".
 * They match an expected revision given as a full string or as a bare commit SHA (or a prefix
 * of at least 7 characters).
 */
export function revisionMatches(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  const a = commitOf(actual);
  const e = commitOf(expected);
  if (a === undefined || e === undefined) return false;
  return e.length >= 7 && a.startsWith(e);
}

function commitOf(revision: string): string | undefined {
  const m = /(?:^|[@/:])([0-9a-f]{7,64})$/.exec(revision);
  return m?.[1];
}

function shortRevision(revision: string): string {
  const c = commitOf(revision);
  return c === undefined ? revision : c.slice(0, 12);
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' ? v : fallback;
}

function join(reason: string | undefined, message: string | undefined): string {
  return [reason, message].filter((s) => s !== undefined && s !== '').join(': ');
}
