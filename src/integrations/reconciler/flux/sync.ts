/**
 * The two objects that point Flux at the fleet repo, as `flux bootstrap` writes them: a
 * GitRepository (url, branch, interval, secretRef) and a Kustomization that applies the
 * cluster's folder from it (path, prune, interval, sourceRef). Both named flux-system in
 * flux-system, so the stock `flux` CLI recognises the installation.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '../../kube/object.js';
import { fluxGitUrl } from './credentials.js';

export const FLUX_NAMESPACE = 'flux-system';
export const GIT_REPOSITORY_API = 'source.toolkit.fluxcd.io/v1';
export const KUSTOMIZATION_API = 'kustomize.toolkit.fluxcd.io/v1';

export interface FluxSyncSpec {
  url: string;
  branch: string;
  /** Folder of the cluster in the fleet repo, e.g. clusters/research. */
  path: string;
  /** Name of both objects and of the credentials Secret (default flux-system). */
  name?: string;
  namespace?: string;
  /** How often the source is fetched (default 1m0s). */
  interval?: string;
  /** How often the folder is re-applied (default 10m0s). */
  kustomizationInterval?: string;
  /** The credentials Secret; null for a public repository. Defaults to the name. */
  secretName?: string | null;
  prune?: boolean;
}

export function fluxSyncObjects(spec: FluxSyncSpec): [KubeObject, KubeObject] {
  const name = spec.name ?? FLUX_NAMESPACE;
  const namespace = spec.namespace ?? FLUX_NAMESPACE;
  const secretName = spec.secretName === undefined ? name : spec.secretName;
  const gitRepository: KubeObject = {
    apiVersion: GIT_REPOSITORY_API,
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: {
      interval: spec.interval ?? '1m0s',
      ref: { branch: spec.branch },
      ...(secretName === null ? {} : { secretRef: { name: secretName } }),
      url: fluxGitUrl(spec.url),
    },
  };
  const kustomization: KubeObject = {
    apiVersion: KUSTOMIZATION_API,
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: {
      interval: spec.kustomizationInterval ?? '10m0s',
      path: kustomizePath(spec.path),
      prune: spec.prune ?? true,
      sourceRef: { kind: 'GitRepository', name },
      // Said explicitly so that a bootstrap after an interrupted destroy (which suspends Flux
      // first) takes the field back and resumes reconciling.
      suspend: false,
    },
  };
  return [gitRepository, kustomization];
}

/** Flux writes paths as ./clusters/name. */
export function kustomizePath(path: string): string {
  const trimmed = path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? './' : `./${trimmed}`;
}

export function toYamlDocuments(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}
