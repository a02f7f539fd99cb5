import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
import {
  decodeSecretData,
  fluxGitUrl,
  gitCredentialsSecret,
  secretDataFor,
} from '../../src/integrations/reconciler/flux/credentials.js';
import {
  FLUX_FILES,
  fluxFleetFiles,
  recordedChecksum,
} from '../../src/integrations/reconciler/flux/fleet-files.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { sha256Hex } from '../../src/integrations/reconciler/flux/manifests.js';
import { fluxSyncObjects, kustomizePath } from '../../src/integrations/reconciler/flux/sync.js';

const COMPONENTS = '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
const manifests = {
  version: '2.9.6',
  text: COMPONENTS,
  sha256: sha256Hex(COMPONENTS),
  verification: 'pinned' as const,
};
const sync = { url: 'git@github.com:acme/fleet.git', branch: 'main', path: 'clusters/research' };

describe('Flux files for the fleet repo', () => {
  it("uses Flux's bootstrap layout relative to the cluster folder", () => {
    const files = fluxFleetFiles(manifests, sync);
    expect(Object.keys(files).sort()).toEqual([
      'flux-system/gotk-components.yaml',
      'flux-system/gotk-sync.yaml',
      'flux-system/kustomization.yaml',
    ]);
    expect(files[FLUX_FILES.kustomization]).toBe(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n',
    );
  });

  it('records the version and checksum in gotk-components.yaml and keeps the manifests intact', () => {
    const text = fluxFleetFiles(manifests, sync)[FLUX_FILES.components];
    expect(recordedChecksum(text)).toEqual({ version: '2.9.6', sha256: sha256Hex(COMPONENTS) });
    expect(parseManifests(text, 'gotk-components.yaml')).toHaveLength(1);
    expect(recordedChecksum(COMPONENTS)).toBeUndefined();
  });

  it('tells the use cases where the manifests are recorded and reads them back from there', () => {
    const files: Record<string, string> = fluxFleetFiles(manifests, sync);
    const text = files[flux.manifestsFile];
    expect(text).toBeDefined();
    const recorded = flux.recordedManifests(text ?? '', `clusters/research/${flux.manifestsFile}`);
    expect(recorded).toMatchObject({
      version: '2.9.6',
      location: 'clusters/research/flux-system/gotk-components.yaml',
    });
    expect(flux.recordedManifests(COMPONENTS, 'x').version).toBe('recorded');
    expect(flux.namespace).toBe('flux-system');
  });

  it('writes the GitRepository and Kustomization as flux bootstrap does', () => {
    const [repo, ks] = parseManifests(fluxFleetFiles(manifests, sync)[FLUX_FILES.sync], 'gotk-sync.yaml');
    expect(repo).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        interval: '1m0s',
        ref: { branch: 'main' },
        secretRef: { name: 'flux-system' },
        url: 'ssh://git@github.com/acme/fleet.git',
      },
    });
    expect(ks).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        interval: '10m0s',
        path: './clusters/research',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        suspend: false,
      },
    });
    const [publicRepo] = fluxSyncObjects({ ...sync, url: 'https://github.com/acme/fleet', secretName: null });
    expect(publicRepo.spec).not.toHaveProperty('secretRef');
  });

  it('normalises Git URLs and paths the way Flux wants them', () => {
    expect(fluxGitUrl('git@github.com:acme/fleet.git')).toBe('ssh://git@github.com/acme/fleet.git');
    expect(fluxGitUrl('ssh://git@host:2222/fleet.git')).toBe('ssh://git@host:2222/fleet.git');
    expect(fluxGitUrl('https://host/fleet.git')).toBe('https://host/fleet.git');
    expect(fluxGitUrl('file:///srv/git/fleet.git')).toBe('file:///srv/git/fleet.git');
    expect(kustomizePath('clusters/a/')).toBe('./clusters/a');
    expect(kustomizePath('./clusters/a')).toBe('./clusters/a');
    expect(kustomizePath('')).toBe('./');
  });
});

describe('Git credentials Secret', () => {
  it("uses Flux's keys for each kind of credential, base64 in data", () => {
    expect(secretDataFor({ type: 'basic', username: 'u', password: 'p' })).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(secretDataFor({ type: 'bearer', token: 't' })).toEqual({ bearerToken: 't' });
    expect(secretDataFor({ type: 'ssh', privateKey: 'K', knownHosts: 'h k', publicKey: 'P' })).toEqual({
      identity: 'K',
      'identity.pub': 'P',
      known_hosts: 'h k',
    });
    expect(() => secretDataFor({ type: 'ssh', privateKey: 'K', knownHosts: ' ' })).toThrow(/known_hosts/);
    const secret = gitCredentialsSecret('flux-system', 'flux-system', { username: 'u', password: 'p' });
    expect(secret.data).toEqual({ username: 'dQ==', password: 'cA==' });
    expect(decodeSecretData(secret)).toEqual({ username: 'u', password: 'p' });
  });
});
