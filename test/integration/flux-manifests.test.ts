/** Where Flux's manifests come from, with a local HTTP server standing in for GitHub releases. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import { fluxFleetFiles, recordedChecksum } from '../../src/integrations/reconciler/flux/fleet-files.js';
import {
  resolveFluxManifests,
  sha256Hex,
  defaultFluxCacheDir,
} from '../../src/integrations/reconciler/flux/manifests.js';
import { parseAllDocuments } from 'yaml';
import {
  FLUX_293_DERIVATIVE_LABEL,
  FLUX_293_SOURCE_SHA256,
  flux293Derivative,
  MINI_BUNDLE_LABEL,
  miniBundle,
  withoutCelValidations,
} from '../support/flux/derivative.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { renderBootstrap } from '../../src/cli/render/bootstrap.js';
import { createStyle } from '../../src/io/style.js';
import type { BootstrapDocument } from '../../src/usecases/bootstrap/run.js';
import { FIXTURES_DIR, FLUX_293_FIXTURE_DIR, FLUX_FIXTURE_DIR } from '../support/kube/fixtures.js';

const GOOD = '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n';
const TAMPERED = `${GOOD}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: surprise\n  namespace: flux-system\n`;

let server: Server;
let base: string;
const hits: string[] = [];
const served = new Map<string, string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fresh = () => mkdtempSync(join(tmpdir(), 'gitops-flux-cache-'));

describe('Flux manifests: flag, cache, verified download', () => {
  it('downloads, verifies against the pinned sha256, caches, then uses the cache', async () => {
    served.set('/releases/v9.1.0/install.yaml', GOOD);
    const cacheDir = fresh();
    const pinned = { '9.1.0': { sha256: sha256Hex(GOOD), source: 'test' } };
    const first = await resolveFluxManifests({ version: '9.1.0', cacheDir, releaseBaseUrl: base, pinned });
    expect(first).toMatchObject({
      origin: 'download',
      verification: 'pinned',
      sha256: sha256Hex(GOOD),
      text: GOOD,
    });
    expect(readFileSync(join(cacheDir, '9.1.0', 'install.yaml'), 'utf8')).toBe(GOOD);

    const before = hits.length;
    const second = await resolveFluxManifests({ version: '9.1.0', cacheDir, releaseBaseUrl: base, pinned });
    expect(second.origin).toBe('cache');
    expect(hits.length).toBe(before);
  });

  it('refuses a download whose sha256 differs from the pinned one, naming both hashes', async () => {
    served.set('/releases/v9.2.0/install.yaml', TAMPERED);
    const cacheDir = fresh();
    const pinned = { '9.2.0': { sha256: sha256Hex(GOOD), source: 'test' } };
    const error = await resolveFluxManifests({
      version: '9.2.0',
      cacheDir,
      releaseBaseUrl: base,
      pinned,
    }).catch((e: unknown) => e);
    expect(isGitopsError(error) && error.code).toBe('GITOPS_CHECKSUM');
    expect((error as Error).message).toContain(sha256Hex(TAMPERED));
    expect((error as Error).message).toContain(sha256Hex(GOOD));
    expect(existsSync(join(cacheDir, '9.2.0', 'install.yaml'))).toBe(false);
  });

  it('replaces a cached file that no longer matches the pinned sha256', async () => {
    served.set('/releases/v9.3.0/install.yaml', GOOD);
    const cacheDir = fresh();
    const pinned = { '9.3.0': { sha256: sha256Hex(GOOD), source: 'test' } };
    await resolveFluxManifests({ version: '9.3.0', cacheDir, releaseBaseUrl: base, pinned });
    writeFileSync(join(cacheDir, '9.3.0', 'install.yaml'), TAMPERED);
    const sink = new RecordingSink();
    const again = await resolveFluxManifests({
      version: '9.3.0',
      cacheDir,
      releaseBaseUrl: base,
      pinned,
      sink,
    });
    expect(again).toMatchObject({ origin: 'download', text: GOOD });
    expect(sink.ofType('info')[0]!.message).toContain('downloading again');
  });

  it('says plainly when a version has no pinned checksum, records what it saw, and holds later downloads to it', async () => {
    served.set('/releases/v9.4.0/install.yaml', GOOD);
    const sink = new RecordingSink();
    const first = await resolveFluxManifests({
      version: '9.4.0',
      cacheDir: fresh(),
      releaseBaseUrl: base,
      pinned: {},
      sink,
    });
    expect(first.verification).toBe('first-seen');
    const warning = sink.ofType('warning')[0]!;
    expect(warning.code).toBe('GITOPS_CHECKSUM_UNPINNED');
    expect(warning.message).toContain('no pinned checksum');
    expect(warning.message).toContain(sha256Hex(GOOD));

    // The fleet repo records it...
    const files = fluxFleetFiles(first, { url: 'ssh://git@h/r.git', branch: 'main', path: 'clusters/a' });
    const record = recordedChecksum(files['flux-system/gotk-components.yaml'])!;
    expect(record).toEqual({ version: '9.4.0', sha256: sha256Hex(GOOD) });

    // ...and a later download of the same version that differs is refused.
    served.set('/releases/v9.4.0/install.yaml', TAMPERED);
    const error = await resolveFluxManifests({
      version: '9.4.0',
      cacheDir: fresh(),
      releaseBaseUrl: base,
      pinned: {},
      recordedSha256: record.sha256,
    }).catch((e: unknown) => e);
    expect(isGitopsError(error) && error.code).toBe('GITOPS_CHECKSUM');
    expect((error as Error).message).toContain('recorded in the fleet repo');
  });

  it('pins the sha256 of Flux 2.9.6 install.yaml', async () => {
    served.set('/releases/v2.9.6/install.yaml', TAMPERED);
    const error = await resolveFluxManifests({
      version: '2.9.6',
      cacheDir: fresh(),
      releaseBaseUrl: base,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      '9c1fda7e401429531ed1478f67ba06b3edff6513b75da7ee47bde9f1c4d4251c',
    );
  });

  it('uses --reconciler-manifests as given, from a file or a URL', async () => {
    const dir = fresh();
    // Any bundle defining the kinds the install applies is the user's choice: not checked against a pin.
    const mini = readFileSync(join(FIXTURES_DIR, 'flux-mini.yaml'), 'utf8');
    writeFileSync(join(dir, 'flux.yaml'), mini);
    const file = await resolveFluxManifests({
      cacheDir: defaultFluxCacheDir(process.env),
      version: '2.9.6',
      source: join(dir, 'flux.yaml'),
    });
    expect(file).toMatchObject({
      origin: 'flag-file',
      verification: 'user-supplied',
      sha256: sha256Hex(mini),
    });
    served.set('/mirror/flux.yaml', mini);
    const url = await resolveFluxManifests({
      cacheDir: defaultFluxCacheDir(process.env),
      version: '2.9.6',
      source: base.replace('/releases', '/mirror/flux.yaml'),
    });
    expect(url).toMatchObject({ origin: 'flag-url', text: mini });
    await expect(
      resolveFluxManifests({
        cacheDir: defaultFluxCacheDir(process.env),
        version: '2.9.6',
        source: join(dir, 'missing.yaml'),
      }),
    ).rejects.toThrow(/cannot read --reconciler-manifests/);
  });

  it('refuses a --reconciler-manifests file that is not Flux manifests, naming the flag (exit 2)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'not-flux.yaml'), TAMPERED);
    writeFileSync(join(dir, 'not-yaml.yaml'), 'kind: [oops\n');
    for (const [name, says] of [
      [
        'not-flux.yaml',
        /^--reconciler-manifests .*not-flux\.yaml is not Flux's install manifests: it defines no GitRepository \(source\.toolkit\.fluxcd\.io\/v1\) and Kustomization/,
      ],
      ['not-yaml.yaml', /^--reconciler-manifests: .*not-yaml\.yaml document 1: invalid YAML/],
    ] as const) {
      const error = await resolveFluxManifests({
        cacheDir: defaultFluxCacheDir(process.env),
        version: '2.9.6',
        source: join(dir, name),
      }).catch((e: unknown) => e);
      expect(isGitopsError(error) && error.exitCode, String(error)).toBe(2);
      expect((error as Error).message).toMatch(says);
    }
  });

  it('refuses plain HTTP to anything but this machine', async () => {
    await expect(
      resolveFluxManifests({
        cacheDir: defaultFluxCacheDir(process.env),
        version: '2.9.6',
        source: 'http://flux.example.com/install.yaml',
      }),
    ).rejects.toThrow(/refusing to download Flux manifests over http:/);
  });
});

describe('Flux v2.9.3 as the sandbox serves it (a derivative for kube-apiserver 1.20)', () => {
  it('drops x-kubernetes-validations blocks, whatever their indentation, and nothing else', () => {
    const text = [
      'spec:',
      '  a:',
      '    type: object',
      '    x-kubernetes-validations:',
      '    - message: m',
      '      rule: self.x == 1',
      '    properties: {}',
      '  b:',
      '    x-kubernetes-validations:',
      '      - rule: "true"',
      '  c: 1',
      '',
    ].join('\n');
    const out = withoutCelValidations(text);
    expect(out.removed).toBe(2);
    expect(out.text).toBe('spec:\n  a:\n    type: object\n    properties: {}\n  b:\n  c: 1\n');
  });

  it.skipIf(!existsSync(join(FLUX_293_FIXTURE_DIR, 'gotk-components.yaml')))(
    'equals the source without its 11 CEL keys, names the source sha256, and goes through the download path as 2.9.3',
    async () => {
      const sourceText = readFileSync(join(FLUX_293_FIXTURE_DIR, 'gotk-components.yaml'), 'utf8');
      expect(sha256Hex(sourceText)).toBe(FLUX_293_SOURCE_SHA256);
      const derivative = flux293Derivative()!;
      expect(derivative.description).toContain(FLUX_293_SOURCE_SHA256);
      expect(derivative.description).toContain('without their 11 x-kubernetes-validations keys');
      expect(derivative.text.split('\n').slice(0, 3).join('\n')).toContain(FLUX_293_SOURCE_SHA256);

      const strip = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(strip)
          : v !== null && typeof v === 'object'
            ? Object.fromEntries(
                Object.entries(v)
                  .filter(([k]) => k !== 'x-kubernetes-validations')
                  .map(([k, x]) => [k, strip(x)]),
              )
            : v;
      const docs = (t: string) => parseAllDocuments(t).map((d) => d.toJS() as unknown);
      // The one addition: the flux-system Namespace says what this is (shown instead of a version).
      const derived = docs(derivative.text) as { kind: string; metadata: { annotations?: object } }[];
      const namespace = derived.find((d) => d.kind === 'Namespace')!;
      expect(namespace.metadata.annotations).toEqual({
        'sandbox.gitops.dev/not-a-release': FLUX_293_DERIVATIVE_LABEL,
      });
      delete namespace.metadata.annotations;
      expect(derived).toEqual(docs(sourceText).map(strip));

      // The product downloads it like a release: no pinned checksum for 2.9.3, so it says so.
      served.set('/releases/v2.9.3/install.yaml', derivative.text);
      const sink = new RecordingSink();
      const got = await resolveFluxManifests({
        version: '2.9.3',
        cacheDir: fresh(),
        releaseBaseUrl: base,
        sink,
      });
      expect(got).toMatchObject({ verification: 'first-seen', sha256: sha256Hex(derivative.text) });
      expect(sink.ofType('warning')[0]!.code).toBe('GITOPS_CHECKSUM_UNPINNED');
    },
  );

  it.skipIf(!existsSync(join(FLUX_FIXTURE_DIR, 'gotk-components.yaml')))(
    'Flux v2.1.2 needs no derivative: it has no CEL validation keys',
    () => {
      const text = readFileSync(join(FLUX_FIXTURE_DIR, 'gotk-components.yaml'), 'utf8');
      expect(withoutCelValidations(text).removed).toBe(0);
    },
  );
});

// Issue #13: with the sandbox's mirror, bootstrap printed `flux v0.0.1` (the mini bundle) or a bare
// `v2.9.3` (a derivative without the CEL rules) as if each were a Flux release.
describe('the Flux version bootstrap shows', () => {
  const shown = async (version: string, text: string) => {
    served.set(`/releases/v${version}/install.yaml`, text);
    const got = await flux.resolveManifests({
      version,
      releaseBaseUrl: base,
      env: { XDG_CACHE_HOME: fresh() },
      sink: new RecordingSink(),
    });
    return { got, line: fluxLine({ version, notARelease: got.notARelease, sha256: got.sha256 }) };
  };

  it("for the sandbox's mini bundle (published as 0.0.1), that it is a stand-in, not Flux, and no version", async () => {
    const mini = miniBundle();
    const { got, line } = await shown(mini.version, mini.text);
    expect(got.notARelease).toBe(MINI_BUNDLE_LABEL);
    expect(line).toBe(`flux         ${MINI_BUNDLE_LABEL} (sha256 ${got.sha256.slice(0, 12)}…, first-seen)`);
    expect(line).not.toContain(mini.version);
  });

  it.skipIf(!existsSync(join(FLUX_293_FIXTURE_DIR, 'gotk-components.yaml')))(
    `for the sandbox's 2.9.3 derivative, that it lacks the CEL rules and is not a release (needs ${FLUX_293_FIXTURE_DIR})`,
    async () => {
      const derivative = flux293Derivative()!;
      const { got, line } = await shown(derivative.version, derivative.text);
      expect(got.notARelease).toBe(FLUX_293_DERIVATIVE_LABEL);
      expect(line).toBe(
        `flux         ${FLUX_293_DERIVATIVE_LABEL} (sha256 ${got.sha256.slice(0, 12)}…, first-seen)`,
      );
    },
  );

  it('for manifests that do not say they are not a release, the version and sha256 as before', async () => {
    // The mini bundle without its annotation: what a Flux release looks like to this code.
    const text = miniBundle().text.replace(/^ {2}annotations:\n.*\n/m, '');
    const { got, line } = await shown('9.4.0', text);
    expect(got.notARelease).toBeUndefined();
    expect(line).toBe(`flux         v9.4.0 (sha256 ${got.sha256.slice(0, 12)}…, first-seen)`);
  });
});

/** The flux line of bootstrap's text result for these manifests. */
function fluxLine(m: { version: string; notARelease?: string | undefined; sha256: string }): string {
  const doc = {
    ok: true,
    dryRun: false,
    cluster: { name: 'c', region: 'us-west-2', kubernetesVersion: '1.34' },
    profile: { name: 'base', version: '1.0.0', source: 'base' },
    fleet: { url: 'https://git.example.test/fleet.git', branch: 'main', path: 'clusters/c' },
    reconciler: {
      kind: 'flux',
      version: m.version,
      ...(m.notARelease ? { notARelease: m.notARelease } : {}),
      manifestsSha256: m.sha256,
      verification: 'first-seen',
      origin: 'download',
    },
    ecrRepositories: [],
    steps: [],
    durationMs: 1,
    nextSteps: [],
  } satisfies BootstrapDocument;
  return renderBootstrap(doc, createStyle(false))
    .split('\n')
    .find((l) => l.trimStart().startsWith('flux '))!
    .trim();
}
