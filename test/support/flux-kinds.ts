/**
 * The kinds Flux 2.x's CRDs serve (source, kustomize, helm and notification controllers), for
 * tests that render a profile without reading a Flux install bundle. What bootstrap uses comes
 * from the install manifests themselves (the reconciler's apiKinds).
 */
import { stringify } from 'yaml';
import type { ApiKind } from '../../src/integrations/kube/api-kinds.js';

const k = (group: string, version: string, ...kinds: string[]): ApiKind[] =>
  kinds.map((kind) => ({ group, version, kind }));

export const FLUX_KINDS: readonly ApiKind[] = [
  ...k(
    'source.toolkit.fluxcd.io',
    'v1',
    'GitRepository',
    'HelmRepository',
    'HelmChart',
    'Bucket',
    'OCIRepository',
  ),
  ...k(
    'source.toolkit.fluxcd.io',
    'v1beta2',
    'GitRepository',
    'HelmRepository',
    'HelmChart',
    'Bucket',
    'OCIRepository',
  ),
  ...k('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization'),
  ...k('helm.toolkit.fluxcd.io', 'v2', 'HelmRelease'),
  ...k('notification.toolkit.fluxcd.io', 'v1', 'Receiver'),
  ...k('notification.toolkit.fluxcd.io', 'v1beta3', 'Alert', 'Provider'),
];

export const FLUX = { name: 'flux', kinds: FLUX_KINDS };

/** Install manifests holding a CRD for each of those kinds (what the reconciler reads them from). */
export function fluxCrdsYaml(): string {
  const crds = new Map<string, { group: string; kind: string; versions: string[] }>();
  for (const k of FLUX_KINDS) {
    const crd = crds.get(`${k.group}/${k.kind}`) ?? { group: k.group, kind: k.kind, versions: [] };
    crd.versions.push(k.version);
    crds.set(`${k.group}/${k.kind}`, crd);
  }
  return [...crds.values()]
    .map((k) =>
      stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${k.kind.toLowerCase()}s.${k.group}` },
        spec: {
          group: k.group,
          names: { kind: k.kind, plural: `${k.kind.toLowerCase()}s` },
          scope: 'Namespaced',
          versions: k.versions.map((name, i) => ({ name, served: true, storage: i === 0 })),
        },
      }),
    )
    .join('---\n');
}
