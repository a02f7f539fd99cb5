/**
 * Annotations the local sandbox writes where it could not do what the real thing does: the Flux
 * stand-in on a HelmRelease whose chart it could not install (it installed the chart's CRDs), a
 * Helm source it never fetched, a Kustomization whose objects of kinds the sandbox's old
 * apiserver does not serve were only validated, a Provider whose alerts it cannot deliver (only
 * generic webhooks are posted to); the Auto Mode stand-in on node pools that never
 * make a node. A real cluster never has them; where they appear, status says so.
 */
import type { KubeObject } from './object.js';

export const SIMULATION_ANNOTATIONS = {
  'sandbox.gitops.dev/stood-in': 'stood in for',
  'sandbox.gitops.dev/validated-only': 'validated, not applied',
  'sandbox.gitops.dev/not-delivered': 'alerts not delivered',
} as const;

/**
 * On the reconciler's namespace in components that are not one of its releases (the sandbox's
 * derivative of Flux's, its minimal stand-in bundle): what they are, in words. The CLI shows it
 * instead of a version, in bootstrap's result and in status, so that they never read as a release.
 */
export const NOT_A_RELEASE_ANNOTATION = 'sandbox.gitops.dev/not-a-release';

/** The annotation's text, when the object carries it. */
export function notARelease(obj: Pick<KubeObject, 'metadata'>): string | undefined {
  const value = obj.metadata.annotations?.[NOT_A_RELEASE_ANNOTATION];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export interface SimulatedNote {
  kind: string;
  name: string;
  namespace: string;
  note: string;
}

export function simulatedOf(obj: KubeObject): SimulatedNote[] {
  const annotations = obj.metadata.annotations ?? {};
  return Object.entries(SIMULATION_ANNOTATIONS).flatMap(([key, what]) => {
    const value = annotations[key];
    if (typeof value !== 'string' || value === '') return [];
    return [
      {
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        namespace: obj.metadata.namespace ?? '',
        note: `${what}: ${value}`,
      },
    ];
  });
}
