/**
 * Kinds a real EKS serves but the local kube-apiserver 1.20 does not (policy/v1 arrived in 1.21,
 * autoscaling/v2 in 1.23, ...). The stand-in cannot apply them, so it checks each against the
 * published JSON schema of its API version (the kubernetes-models package) instead, records it as
 * validated only, and fails the Kustomization when the object is invalid. A kind missing here, or
 * one without a schema in the package, fails like any kind the apiserver does not serve.
 */
import { createRequire } from 'node:module';
import type { Obj } from './api.js';

/** API versions EKS serves that 1.20 lacks, with their kinds. */
const EKS_ONLY: Readonly<Record<string, readonly string[]>> = {
  'policy/v1': ['PodDisruptionBudget'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'batch/v1': ['CronJob'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'storage.k8s.io/v1': ['CSIStorageCapacity'],
};

const require = createRequire(import.meta.url);
export const MODELS_VERSION = (require('kubernetes-models/package.json') as { version: string }).version;

export function isValidatedOnlyKind(apiVersion: string, kind: string): boolean {
  return EKS_ONLY[apiVersion]?.includes(kind) ?? false;
}

type Model = new (data: unknown) => { validate(): void };

/**
 * Undefined when the object is valid for its version; the schema's complaint otherwise. Throws
 * when there is no schema to check it against.
 */
export async function validateAgainstSchema(o: Obj): Promise<string | undefined> {
  let mod: Record<string, unknown>;
  try {
    // require, not import(): vitest's module runner cannot resolve a computed package subpath.
    mod = require(`kubernetes-models/${o.apiVersion}`) as Record<string, unknown>;
  } catch {
    throw new Error(`no JSON schema for ${o.apiVersion} in kubernetes-models ${MODELS_VERSION}`);
  }
  const M = mod[o.kind] as Model | undefined;
  if (!M)
    throw new Error(`no JSON schema for ${o.apiVersion} ${o.kind} in kubernetes-models ${MODELS_VERSION}`);
  try {
    new M(o).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}
