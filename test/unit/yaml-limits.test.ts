/**
 * One YAML reader, one set of rules: the spec file, a profile's manifests, the manifests the
 * fleet repository and the reconciler bring, and kubeconfigs all refuse the same things with the
 * same limits (before, the spec reader allowed 100 aliases and counted characters, the profile
 * reader 50 aliases in bytes, and the manifest reader had no limit at all).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkKubeconfigFile } from '../../src/integrations/aws/kubeconfig.js';
import { loadKubeconfig } from '../../src/integrations/kube/kubeconfig.js';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
import { rewriteOverlay } from '../../src/integrations/profiles/overlay.js';
import { isGitopsError, userError } from '../../src/primitives/errors.js';
import { parseYamlStream, parseYamlText, toPlain, YAML_LIMITS } from '../../src/primitives/yaml.js';

/** A document that uses `count` aliases of one anchored map. */
function aliases(count: number): string {
  const refs = Array.from({ length: count }, (_, i) => `  k${i}: *base`).join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nbase: &base {a: 1}\ndata:\n${refs}\n`;
}

const readers: [string, (text: string) => unknown][] = [
  ['spec file (gitops.yaml)', (t) => parseYamlText(t, 'gitops.yaml')],
  ['profile manifests', (t) => parseYamlStream(t, 'app.yaml').docs.map((d) => toPlain(d, 'app.yaml'))],
  ['fleet and reconciler manifests', (t) => parseManifests(t, 'gotk-components.yaml')],
  ['kubeconfig', (t) => loadKubeconfig({ env: process.env, path: tempFile(t) })],
  ['kubeconfig gitops merges into', (t) => checkKubeconfigFile(tempFile(t))],
  [
    // The rewriter keeps a team overlay it cannot edit and says why (a warning): that reason.
    "a team's layer overlay",
    (t) => {
      const r = rewriteOverlay(t, overlayTarget);
      if (r.status === 'unsafe') throw userError('GITOPS_BAD_CONFIG', r.reason);
      return r;
    },
  ],
];

const overlayTarget = {
  clusterPath: 'clusters/research',
  layer: 'apps' as const,
  profiles: [{ name: 'base', version: '1.0.0' }],
};

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gitops-yaml-')), 'config');
  writeFileSync(file, text);
  return file;
}

async function error(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (!isGitopsError(e)) throw e;
    expect(e.message).not.toContain('\n');
    return e.message;
  }
  return 'accepted';
}

describe('YAML limits, the same for every reader', () => {
  for (const [name, read] of readers) {
    it(`${name}: ${YAML_LIMITS.maxAliases} aliases pass, one more is refused as too many alias expansions`, async () => {
      expect(await error(() => read(aliases(YAML_LIMITS.maxAliases)))).not.toMatch(/alias/);
      expect(await error(() => read(aliases(YAML_LIMITS.maxAliases + 1)))).toMatch(
        new RegExp(`too many YAML alias expansions \\(limit ${YAML_LIMITS.maxAliases}\\)`),
      );
    });

    it(`${name}: forty nested aliases that write out to ten thousand nodes are refused`, async () => {
      const bomb = [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: x}',
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
        '',
      ].join('\n');
      expect(await error(() => read(bomb))).toMatch(
        new RegExp(
          `too many YAML alias expansions \\(they add more than ${YAML_LIMITS.maxAliasExpansion} nodes\\)`,
        ),
      );
    });

    it(`${name}: a duplicate key is refused with its line`, async () => {
      expect(
        await error(() => read('apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: x}\n')),
      ).toMatch(/(:|line )3: invalid YAML: duplicate|duplicated mapping key/);
    });
  }

  it('counts bytes, not characters: 600k two-byte characters are over a 1 MiB limit', async () => {
    const text = `a: "${'é'.repeat(600_000)}"\n`;
    expect(text.length).toBeLessThan(YAML_LIMITS.maxBytes);
    expect(await error(() => parseYamlText(text, 'gitops.yaml'))).toMatch(
      /too large \(\d+ bytes, limit 1048576\)/,
    );
    expect(await error(() => parseYamlStream(text, 'app.yaml'))).toMatch(/too large/);
  });

  it('refuses an oversized kubeconfig to merge into and keeps an oversized overlay as it is', async () => {
    const text = `apiVersion: v1\nkind: Config\nx: "${'é'.repeat(600_000)}"\n`;
    const file = tempFile(text);
    expect(await error(() => checkKubeconfigFile(file))).toBe(
      `${file} is not a valid kubeconfig: file is too large (${Buffer.byteLength(text)} bytes, limit ${YAML_LIMITS.maxBytes})`,
    );
    expect(rewriteOverlay(text, overlayTarget)).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/YAML reader refused it \(apps\/kustomization\.yaml: file is too large/),
    });
  });
});
