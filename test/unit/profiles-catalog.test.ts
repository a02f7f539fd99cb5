// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates use ${param} on purpose
import { describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import {
  bundledProfilesDir,
  listBundledProfiles,
  profileDigest,
  resolveProfile,
} from '../../src/integrations/profiles/catalog.js';

/**
 * The content of each bundled profile version, as written once into every fleet repository that
 * uses it. A version never changes there (bootstrap refuses other content under it), so a change
 * to a bundled profile's files needs a new version in its profile.yaml, and a line here.
 */
const RELEASED: Record<string, string> = {
  'base@1.1.0': 'eb52faee10b632a436bab566a9619a70b8c33e77e1fc43b1533ce43a2ff4f7c4',
  'ml@1.1.0': '2a0f38edb7858c8e8e22532134a857914536dab3292bbbb96886a210197bc387',
  'mobile@1.1.0': '5a8b95a161111c3db83e2d9d1d9824878bc81a68eb8682ad56b15cb254b5413c',
  'base@1.2.0': '0fe8b7944f18874a8f3c17223f7946b9be1abf7965d8386d85f779bbe88829ee',
  'ml@1.2.0': 'a5793e9100712bf19609aeba11181a176d8c859cf85116f62e38c1dc1c084e37',
  'mobile@1.2.0': '4ab0d9be6260352591e60af1403ddbccf136426026c53ea5c2f024794d1167b1',
  'base@1.3.0': 'e6dbf6db4e297fe5fa137946ba2c31aa4fdc809cc498672c0830402b6c557e14',
  'ml@1.3.0': 'eb1da1bbbc3c2ce21ebce63f1d425e4cde05be397508959d606dc38d12ecb3fb',
  'mobile@1.3.0': 'c57870971efd57f73a82478824abd284d56f0aa6bfb7ade4b8a99cebcc40492e',
  'ml@1.4.0': 'ffed65d1d54ba09f713be06798a82feef77a428c7e8042e38530c7d4cb77a0db',
  'ml@1.5.0': 'fdda28cfaae3ba3aa8191725620cd8c35e8de0c5debe970f66ff76da0e883332',
};

describe('bundled profile catalog', () => {
  it('finds the profiles folder of the repository', () => {
    expect(bundledProfilesDir()).toMatch(/[\\/]profiles$/);
  });

  it('lists base, ml and mobile with their metadata', async () => {
    const list = await listBundledProfiles();
    expect(list.map((p) => p.name)).toEqual(['base', 'ml', 'mobile']);
    for (const p of list) {
      expect(p.description).not.toBe('');
      expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(list.find((p) => p.name === 'ml')!.includes).toEqual(['base']);
  });

  it('resolves ml merged with base: GPU and CPU node groups, EBS CSI add-on, ECR repos', async () => {
    const r = await resolveProfile('ml', { env: process.env });
    expect(r.chain).toEqual(['base', 'ml']);
    expect(r.source.kind).toBe('bundled');
    expect(r.source.revision).toMatch(/^sha256:[0-9a-f]{16}$/);
    const gpu = r.profile.nodeGroups.find((n) => n.name === 'gpu')!;
    expect(gpu.amiType).toBe('AL2023_x86_64_NVIDIA');
    expect(gpu.instanceTypes.every((t) => t.startsWith('g5.'))).toBe(true);
    expect(gpu.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(r.profile.nodeGroups.map((n) => n.name)).toEqual(['system', 'cpu', 'gpu']);
    expect(r.profile.addons.map((a) => a.name)).toContain('aws-ebs-csi-driver');
    expect(r.profile.ecrRepositories.map((e) => e.name)).toEqual([
      '${cluster}/notebook',
      '${cluster}/model-server',
    ]);
    expect(r.profile.components.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'metrics-server',
        'cert-manager',
        'nvidia-device-plugin',
        'jupyterhub',
        'mlflow',
      ]),
    );
  });

  it('changes no released version: new content comes with a new version', async () => {
    for (const { name } of await listBundledProfiles()) {
      const p = (await resolveProfile(name, { env: process.env })).profiles.at(-1)!;
      const key = `${name}@${p.profile.version}`;
      const released = RELEASED[key];
      expect(released, `${key} is not listed in RELEASED (a new version: add it)`).toBeDefined();
      expect(profileDigest(p), `${key} changed after release: give ${name} a new version`).toBe(released);
    }
  });

  it('names an unknown profile and lists the catalog', async () => {
    const err = await resolveProfile('nope', { env: process.env }).catch((e: unknown) => e);
    expect(isGitopsError(err)).toBe(true);
    if (!isGitopsError(err)) return;
    expect(err.code).toBe('GITOPS_NOT_FOUND');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('unknown profile "nope"');
    expect(err.hint).toBe('available profiles: base, ml, mobile');
  });
});
