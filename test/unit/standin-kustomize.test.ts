// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flux's ${var} expressions, not JS templates
/**
 * The Flux stand-in's own kustomize build and post-build substitution, on folders written here:
 * what it implements gives kustomize's result, and what it does not implement is an error naming
 * the field, never ignored.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../support/sandbox/standin/kustomize.js';
import { substituteText } from '../support/sandbox/standin/substitute.js';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'StorageClass']);
const scope = async (_: string, kind: string) => CLUSTER_SCOPED.has(kind);

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'standin-kustomize-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: old }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - { name: web, image: "nginx:1.25", env: [{ name: A, value: "1" }] }
        - { name: side, image: "busybox" }
`;

describe("the stand-in's kustomize build", () => {
  it('applies namespace, labels, patches, images and replicas as kustomize does', async () => {
    const root = tree({
      'app/kustomization.yaml': `resources: [deploy.yaml, ns.yaml, base]
namespace: prod
commonLabels: { team: a }
labels: [{ pairs: { tier: web } }]
commonAnnotations: { owner: me }
images: [{ name: nginx, newTag: "1.27" }, { name: busybox, newName: registry.local/busybox, newTag: "2" }]
replicas: [{ name: web, count: 3 }]
patches:
  - target: { kind: Deployment, name: web }
    patch: |
      - op: add
        path: /spec/template/spec/containers/0/args
        value: ["--fast"]
patchesStrategicMerge:
  - |
    apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web }
    spec:
      template:
        spec:
          containers:
            - { name: web, env: [{ name: B, value: "2" }] }
`,
      'app/deploy.yaml': deployment,
      'app/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: prod }\n',
      'app/base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'app/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\ndata: { a: "1" }\n',
    });
    const objects = await kustomizeBuild(root, './app', scope);
    const web = objects.find((o) => o.kind === 'Deployment')!;
    expect(web.metadata).toMatchObject({
      namespace: 'prod',
      labels: { team: 'a', tier: 'web' },
      annotations: { owner: 'me' },
    });
    const spec = web['spec'] as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: { containers: unknown[] } };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.selector.matchLabels).toEqual({ app: 'web', team: 'a' });
    expect(spec.template.metadata.labels).toEqual({ app: 'web', team: 'a' });
    expect(spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:1.27',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        args: ['--fast'],
      },
      { name: 'side', image: 'registry.local/busybox:2' },
    ]);
    expect(objects.find((o) => o.kind === 'Namespace')!.metadata.namespace).toBeUndefined();
    expect(objects.find((o) => o.kind === 'ConfigMap')!.metadata).toMatchObject({
      namespace: 'prod',
      labels: { team: 'a', tier: 'web' },
    });
  });

  it('builds a folder without kustomization.yaml as Flux generates one', async () => {
    const root = tree({
      'c/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n',
      'c/sub/b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n',
      'c/own/kustomization.yaml': 'resources: [x.yaml]\nnamespace: own\n',
      'c/own/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n',
      'c/notes.txt': 'not a manifest',
    });
    const objects = await kustomizeBuild(root, 'c', scope);
    expect(objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      '/a',
      'own/x',
      '/b',
    ]);
  });

  it('refuses what it does not implement, duplicates, missing paths and escapes, naming each', async () => {
    const root = tree({
      'gen/kustomization.yaml': 'configMapGenerator: [{ name: x, literals: [a=b] }]\n',
      'dup/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
      'dup/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: same }\n',
      'dup/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: same }\n',
      'nested/kustomization.yaml': 'resources: [plain]\n',
      'nested/plain/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n',
      'out/kustomization.yaml': 'resources: [../../etc]\n',
      'sel/kustomization.yaml':
        'resources: [a.yaml]\npatches: [{ target: { labelSelector: "a=b" }, patch: "[]" }]\n',
      'sel/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n',
    });
    await expect(kustomizeBuild(root, 'gen', scope)).rejects.toThrow(
      /configMapGenerator: not implemented by the sandbox's kustomize stand-in/,
    );
    await expect(kustomizeBuild(root, 'dup', scope)).rejects.toThrow(
      /already registered id: ConfigMap\/\/same/,
    );
    await expect(kustomizeBuild(root, 'nested', scope)).rejects.toThrow(
      /unable to find one of 'kustomization.yaml'/,
    );
    await expect(kustomizeBuild(root, 'out', scope)).rejects.toThrow(/no such file or directory|outside/);
    await expect(kustomizeBuild(root, 'sel', scope)).rejects.toThrow(/target labelSelector: not implemented/);
    await expect(kustomizeBuild(root, 'nowhere', scope)).rejects.toThrow(/^kustomization path not found/);
  });
});

describe("the stand-in's post-build substitution", () => {
  const vars = new Map([
    ['name', 'web'],
    ['empty', ''],
  ]);
  it('substitutes ${var} and its defaults as Flux does, and keeps $${...} literal', () => {
    const text = [
      'a: ${name}',
      'b: ${missing}',
      'c: ${empty:=x}',
      'd: ${empty=x}',
      'e: $${name}',
      'f: $5',
    ].join('\n');
    expect(substituteText(text, vars)).toBe(
      ['a: web', 'b: ', 'c: x', 'd: ', 'e: ${name}', 'f: $5'].join('\n'),
    );
  });

  it('refuses the bash-style functions it does not implement', () => {
    expect(() => substituteText('a: ${name/w/W}', vars)).toThrow(/not implemented by the sandbox's stand-in/);
  });
});
