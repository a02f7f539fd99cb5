/**
 * The kinds Flux 2.x's CRDs serve (source, kustomize, helm and notification controllers), for
 * tests that render a profile without reading a Flux install bundle. What bootstrap uses comes
 * from the install manifests themselves (the reconciler's apiKinds).
 */
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
