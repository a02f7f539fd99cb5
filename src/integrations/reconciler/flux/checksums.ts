/**
 * sha256 of Flux's release `install.yaml`, per version, pinned only where the value was
 * published somewhere we can point to. A version missing here is not refused: its checksum is
 * recorded in the fleet repo on first download, and later downloads must match that record.
 */
export interface PinnedChecksum {
  sha256: string;
  /** Where the value was published. */
  source: string;
}

export const FLUX_RELEASE_BASE_URL = 'https://github.com/fluxcd/flux2/releases/download';

export function fluxInstallUrl(version: string, base = FLUX_RELEASE_BASE_URL): string {
  return `${base.replace(/\/+$/, '')}/v${version}/install.yaml`;
}

export const PINNED_FLUX_CHECKSUMS: Readonly<Record<string, PinnedChecksum>> = {
  '2.9.6': {
    sha256: '9c1fda7e401429531ed1478f67ba06b3edff6513b75da7ee47bde9f1c4d4251c',
    source:
      'pinned for https://github.com/fluxcd/flux2/releases/download/v2.9.6/install.yaml in a public ' +
      "repository's platform artifact list (flux: version 2.9.6, sha256, max 1 MiB); recorded in this " +
      "project's DESIGN.md under 'Facts that cannot be fetched here'",
  },
};
