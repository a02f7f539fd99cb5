/**
 * gitops upgrade on a running cluster in the sandbox: ml bootstrapped at the bundled version, then
 * moved to the next minor (a copy of the bundled folder with one more object in its configs layer)
 * through Git alone, by a run with no AWS credentials, region or endpoint; Flux applies the new
 * version, status and status --all say so; then moved back, and Flux prunes what the next version added.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { repoRoot } from '../support/cli.js';
import { admin, bootstrapArgs, commitCount, createFleetRepo, eventually, gitops } from './helpers.js';
import { bundledVersion, nextMinor } from '../support/bundled-profiles.js';

const CLUSTER = 'e2e-upgrade';
const MARKER = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ml-release', namespace: 'default' };
const NO_AWS = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_ENDPOINT_URL: '',
  AWS_PROFILE: '',
};

interface StatusDoc {
  ready: boolean;
  profile?: { name: string; version: string };
  layers: { name: string; ready: boolean; appliedRevision?: string }[];
  sync: { inSync: boolean; headRevision: string };
}

const BUNDLED = bundledVersion('ml');
const NEXT = nextMinor(BUNDLED);

/** The bundled ml as the next minor version, with a ConfigMap more in its configs layer. */
function nextMl(root: string): string {
  const dir = join(root, 'ml');
  cpSync(join(repoRoot, 'profiles', 'ml'), dir, { recursive: true });
  const profile = join(dir, 'profile.yaml');
  writeFileSync(profile, readFileSync(profile, 'utf8').replace(/^version: .*$/m, `version: ${NEXT}`));
  const configs = join(dir, 'configs', 'kustomization.yaml');
  writeFileSync(configs, `${readFileSync(configs, 'utf8')}  - release.yaml\n`);
  writeFileSync(
    join(dir, 'configs', 'release.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ml-release\n  namespace: default\ndata:\n  release: "${NEXT}"\n  cluster: \${cluster}\n`,
  );
  return dir;
}

describe('gitops upgrade on a running cluster', () => {
  let fleet: { url: string; dir: string };
  let kube: KubeClient;
  let root: string;

  beforeAll(async () => {
    fleet = await createFleetRepo(CLUSTER);
    kube = await admin();
    root = mkdtempSync(join(tmpdir(), 'gitops-e2e-ml-next-'));
  });
  afterAll(() => {
    kube.close();
    rmSync(root, { recursive: true, force: true });
  });

  const status = async () => {
    const st = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
    return { code: st.code, doc: JSON.parse(st.stdout) as StatusDoc };
  };
  const settled = (version: string) =>
    eventually(
      async () => {
        const { code, doc } = await status();
        return code === 0 && doc.profile?.version === version && doc.sync.inSync;
      },
      120_000,
      1000,
    );

  it('moves the cluster to a new version through Git alone, Flux applies it, and back again', async () => {
    const boot = await gitops(['-o', 'json', ...bootstrapArgs(CLUSTER, 'ml', fleet.url)]);
    expect(boot.code, boot.stderr).toBe(0);
    expect((await status()).doc.profile).toEqual({ name: 'ml', version: BUNDLED });
    const commits = await commitCount(fleet.dir);

    const next = nextMl(root);
    const up = await gitops(
      ['-o', 'json', 'upgrade', '--cluster', CLUSTER, '--profile', next, '--git-url', fleet.url, '--yes'],
      { env: NO_AWS },
    );
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).clusters).toMatchObject([
      { cluster: CLUSTER, from: { version: BUNDLED }, to: { version: NEXT }, state: 'moved' },
    ]);
    expect(await commitCount(fleet.dir)).toBe(commits + 1);

    expect(await settled(NEXT)).toBe(true);
    const { doc } = await status();
    expect(doc.layers.map((l) => [l.name, l.ready, l.appliedRevision])).toEqual(
      ['controllers', 'configs', 'apps'].map((n) => [n, true, doc.sync.headRevision]),
    );
    const marker = await kube.get(MARKER);
    expect(marker?.['data']).toEqual({ release: NEXT, cluster: CLUSTER });
    expect(marker?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('configs');

    const all = await gitops(['-o', 'json', 'status', '--all']);
    const fleetDoc = JSON.parse(all.stdout) as {
      versions: { profile: string; version: string; clusters: string[] }[];
    };
    expect(fleetDoc.versions).toContainEqual(expect.objectContaining({ profile: 'ml', version: NEXT }));
    expect(fleetDoc.versions.find((v) => v.version === NEXT)?.clusters).toContain(CLUSTER);

    // Back to the bundled version, named by version: Flux prunes what the next version added.
    const down = await gitops(
      [
        '-o',
        'json',
        'upgrade',
        '--cluster',
        CLUSTER,
        '--profile',
        `ml@${BUNDLED}`,
        '--git-url',
        fleet.url,
        '--yes',
      ],
      { env: NO_AWS },
    );
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout).clusters[0]).toMatchObject({ state: 'moved', to: { version: BUNDLED } });
    expect(await settled(BUNDLED)).toBe(true);
    expect(await eventually(async () => (await kube.get(MARKER)) === undefined, 60_000, 500)).toBe(true);
  });
});
