/**
 * Flux's own bootstrap layout inside the cluster's folder of the fleet repo, so the stock
 * `flux` CLI can manage the cluster later:
 *   flux-system/gotk-components.yaml   the install manifests, with a header recording the Flux
 *                                      version and the sha256 they were verified against
 *   flux-system/gotk-sync.yaml         the GitRepository + Kustomization
 *   flux-system/kustomization.yaml     the kustomize index of the two
 * Pure: returns file contents keyed by path relative to the cluster folder; writing them into
 * Git is the fleet-repo code's job.
 */
import type { FluxManifests } from './manifests.js';
import { type FluxSyncSpec, fluxSyncObjects, toYamlDocuments } from './sync.js';

export const FLUX_FILES = {
  components: 'flux-system/gotk-components.yaml',
  sync: 'flux-system/gotk-sync.yaml',
  kustomization: 'flux-system/kustomization.yaml',
} as const;

export type FluxFleetFiles = Record<(typeof FLUX_FILES)[keyof typeof FLUX_FILES], string>;

export function fluxFleetFiles(
  manifests: Pick<FluxManifests, 'version' | 'text' | 'sha256' | 'verification'>,
  sync: FluxSyncSpec,
): FluxFleetFiles {
  const header = [
    `# Flux v${manifests.version} components, installed by gitops.`,
    // Once written, this line is the record later runs verify against: "first-seen" and
    // "recorded" both write "recorded", so a re-run produces the same bytes.
    `# gitops: flux-version=${manifests.version} sha256=${manifests.sha256} checksum=${recordKind(manifests.verification)}`,
    '',
  ].join('\n');
  const body = manifests.text.endsWith('\n') ? manifests.text : `${manifests.text}\n`;
  return {
    [FLUX_FILES.components]: header + body,
    [FLUX_FILES.sync]: `# Written by gitops in Flux's bootstrap layout.\n${toYamlDocuments(fluxSyncObjects(sync))}`,
    [FLUX_FILES.kustomization]: [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - gotk-components.yaml',
      '  - gotk-sync.yaml',
      '',
    ].join('\n'),
  } as FluxFleetFiles;
}

/**
 * The version and sha256 a fleet repo recorded in gotk-components.yaml, for
 * resolveFluxManifests({ recordedSha256 }); undefined when the file has no gitops header.
 */
export function recordedChecksum(componentsYaml: string): { version: string; sha256: string } | undefined {
  const m = /^# gitops: flux-version=(\S+) sha256=([0-9a-f]{64})\b/m.exec(componentsYaml);
  return m ? { version: m[1]!, sha256: m[2]! } : undefined;
}

/**
 * The install manifests a cluster folder recorded in gotk-components.yaml, for the kinds they
 * define: the version its header names ('recorded' without one); not verified again here.
 */
export function recordedFluxManifests(componentsYaml: string, location: string) {
  return {
    version: /flux-version=(\S+)/.exec(componentsYaml)?.[1] ?? 'recorded',
    text: componentsYaml,
    sha256: '',
    origin: 'cache' as const,
    location,
    verification: 'recorded' as const,
  };
}

function recordKind(v: FluxManifests['verification']): string {
  return v === 'first-seen' ? 'recorded' : v;
}
