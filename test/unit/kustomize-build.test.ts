/**
 * The builder's resources: files and folders, nested kustomizations, the kustomization Flux
 * generates for a folder without one, and what it refuses (remote references, paths outside the
 * checkout, fields it does not implement, an id listed twice).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKustomization } from '../../src/integrations/kustomize/build.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { build, buildError, kustomization } from './kustomize-helpers.js';
import { writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const cm = (name: string, ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}`;
const names = (objects: { metadata: { name?: string; namespace?: string } }[]) =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('resources', () => {
  it('builds files and nested kustomization folders, each folder with its own transformers first', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization('resources: [a.yaml, team]\ncommonLabels: {top: "1"}\n'),
      'a.yaml': `${cm('a')}---\n${cm('b')}`,
      'team/kustomization.yaml': kustomization('namespace: team\nresources: [../shared/c.yaml]\n'),
      'shared/c.yaml': cm('c', 'elsewhere'),
    });
    expect(names(objects)).toEqual(['/a', '/b', 'team/c']);
    expect(objects.every((o) => o.metadata.labels?.['top'] === '1')).toBe(true);
  });

  it('generates what Flux generates for a folder without a kustomization', async () => {
    const objects = await build(
      {
        'apps/b.yaml': cm('b'),
        'apps/a.yml': cm('a'),
        'apps/notes.txt': 'not a manifest',
        'apps/.hidden/x.yaml': cm('hidden'),
        'apps/deeper/c.yaml': cm('c'),
        'apps/team/kustomization.yaml': kustomization('namespace: team\nresources: [d.yaml]\n'),
        'apps/team/d.yaml': cm('d'),
        'apps/team/unlisted.yaml': cm('unlisted'),
      },
      './apps',
    );
    expect(names(objects)).toEqual(['/a', '/b', '/c', 'team/d']);
  });

  it('drops objects marked as local config', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization('resources: [a.yaml]\n'),
      'a.yaml': `${cm('kept')}---\n${cm('local')}  annotations:\n    config.kubernetes.io/local-config: "true"\n`,
    });
    expect(names(objects)).toEqual(['/kept']);
  });

  it('refuses what kustomize or Flux would refuse, naming the file and the entry', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { 'kustomization.yaml': kustomization('resources: [team]\n'), 'team/a.yaml': cm('a') },
        /^team: folder has no kustomization.yaml$/,
      ],
      [
        {
          'kustomization.yaml': kustomization('resources: [a.yaml, again.yaml]\n'),
          'a.yaml': cm('a'),
          'again.yaml': cm('a', 'default'),
        },
        /kustomization.yaml: ConfigMap default\/a is listed twice/,
      ],
      [
        { 'kustomization.yaml': kustomization('resources: [https://example.com/app.yaml]\n') },
        /resources\[0\]: remote resource "https:\/\/example.com\/app.yaml" is not allowed/,
      ],
      [
        { 'kustomization.yaml': kustomization('resources: ["git@github.com:acme/app.git"]\n') },
        /resources\[0\]: remote resource "git@github.com:acme\/app.git" is not allowed/,
      ],
      [
        { 'kustomization.yaml': kustomization('resources: [github.com/acme/app//deploy?ref=v1]\n') },
        /resources\[0\]: remote resource "github.com\/acme\/app\/\/deploy\?ref=v1" is not allowed/,
      ],
      [
        { 'kustomization.yaml': kustomization('resources: [missing.yaml]\n') },
        /resources\[0\]: "missing.yaml": not found in the repository/,
      ],
      [
        {
          'kustomization.yaml': kustomization('resources: [a.yaml]\nconfigMapGenerator:\n  - name: x\n'),
          'a.yaml': cm('a'),
        },
        /kustomization.yaml: kustomize field "configMapGenerator" is not supported by gitops/,
      ],
      [
        { 'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' },
        /kind must be Kustomization/,
      ],
      [{ 'kustomization.yaml': kustomization('resources: [.]\n') }, /kustomization includes itself/],
      [{ 'kustomization.yaml': '' }, /kustomization.yaml: the kustomization is empty/],
    ];
    for (const [files, expected] of cases) expect(await buildError(files)).toMatch(expected);
  });

  it('refuses an older field with a hint to its replacement', async () => {
    const dir = tempDir('gitops-kust-');
    writeFiles(dir, { 'kustomization.yaml': kustomization('bases: [../base]\n') });
    const e = (await buildKustomization(dir, '.').catch((err: unknown) => err)) as {
      message: string;
      hint?: string;
    };
    expect(e.message).toMatch(/kustomize field "bases" is not supported by gitops/);
    expect(e.hint).toBe('list the folders under resources');
  });

  it('never reads outside the checkout, through ../ or a symlink', async () => {
    const outside = tempDir('gitops-outside-');
    writeFileSync(path.join(outside, 'secret.yaml'), cm('stolen'));
    const dir = tempDir('gitops-kust-');
    mkdirSync(path.join(dir, 'repo'));
    writeFiles(dir, { 'repo/kustomization.yaml': kustomization('resources: [link.yaml]\n') });
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(dir, 'repo', 'link.yaml'));
    await expect(buildKustomization(path.join(dir, 'repo'), '.')).rejects.toThrow(
      /resources\[0\]: "link.yaml": points outside the repository/,
    );
    writeFiles(dir, {
      'repo/kustomization.yaml': kustomization(`resources: [../../${path.basename(outside)}/secret.yaml]\n`),
    });
    await expect(buildKustomization(path.join(dir, 'repo'), '.')).rejects.toThrow(
      /points outside the repository/,
    );
    await expect(buildKustomization(path.join(dir, 'repo'), '../')).rejects.toThrow(
      /points outside the repository/,
    );
  });
});
