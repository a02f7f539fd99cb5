/**
 * kustomize's `patches`: strategic merge patches with Kubernetes' merge keys and directives, JSON
 * 6902 patches, and targets. Expected objects are written out by hand from kustomize's documented
 * behaviour.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { labelSelector } from '../../src/integrations/kustomize/selector.js';
import { cleanupAll } from './git-helpers.js';
import { build, buildError, DEPLOYMENT, find, kustomization, SERVICE } from './kustomize-helpers.js';

afterAll(cleanupAll);

const deploymentNamed = (name: string, labels: string, annotations = '{}') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: ${labels}
  annotations: ${annotations}
spec:
  template:
    spec:
      containers:
        - name: app
          image: app
`;

describe('label selectors', () => {
  it('read Kubernetes selector syntax', () => {
    const matches = (selector: string, labels: Record<string, string>) =>
      labelSelector(selector, 'target')(labels);
    const web = { app: 'web', tier: 'front', replicas: '3' };
    expect(matches('', web)).toBe(true);
    expect(matches('app=web,tier==front', web)).toBe(true);
    expect(matches('app!=web', web)).toBe(false);
    expect(matches('owner!=ml', web)).toBe(true);
    expect(matches('tier in (front, back),app notin (db)', web)).toBe(true);
    expect(matches('tier notin (front)', web)).toBe(false);
    expect(matches('app,!legacy', web)).toBe(true);
    expect(matches('!app', web)).toBe(false);
    expect(matches('replicas>2,replicas<4', web)).toBe(true);
    expect(() => matches('app in web', web)).toThrow(/target: invalid selector "app in web"/);
  });
});

describe('strategic merge patches', () => {
  it('merges containers, env, ports, volumeMounts, volumes and imagePullSecrets by their keys', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization('resources: [deploy.yaml]\npatches:\n  - path: patch.yaml\n'),
      'deploy.yaml': DEPLOYMENT,
      'patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - name: LEVEL
              value: debug
            - name: EXTRA
              value: "1"
          ports:
            - containerPort: 80
              name: http
          volumeMounts:
            - mountPath: /data
              readOnly: true
        - name: sidecar
          $patch: delete
        - name: logger
          image: fluent-bit
      imagePullSecrets:
        - name: other
      volumes:
        - name: data
          $patch: delete
        - name: cache
          emptyDir: {}
`,
    });
    const spec = (find(objects, 'Deployment', 'web').spec as { template: { spec: unknown } }).template.spec;
    expect(spec).toEqual({
      initContainers: [{ name: 'migrate', image: 'registry.example.com:5000/team/web' }],
      // The patch's elements first, in its order; then the object's others.
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80, name: 'http' }],
          env: [
            { name: 'LEVEL', value: 'debug' },
            { name: 'EXTRA', value: '1' },
            { name: 'MODE', value: 'prod' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
        },
        { name: 'logger', image: 'fluent-bit' },
      ],
      imagePullSecrets: [{ name: 'other' }, { name: 'regcred' }],
      volumes: [{ name: 'cache', emptyDir: {} }],
    });
  });

  it('replaces a list or a mapping with $patch: replace, removes a key with null, deletes an object', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization(`resources: [deploy.yaml, svc.yaml]
patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: null
        template:
          metadata:
            $patch: replace
            labels:
              app: web
              track: canary
          spec:
            containers:
              - $patch: replace
              - name: only
                image: alpine
  - patch: |
      apiVersion: v1
      kind: Service
      metadata:
        name: web
      $patch: delete
`),
      'deploy.yaml': DEPLOYMENT,
      'svc.yaml': SERVICE,
    });
    expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
    const spec = objects[0]!.spec as Record<string, unknown>;
    expect(spec['replicas']).toBeUndefined();
    expect(spec['template']).toMatchObject({
      metadata: { labels: { app: 'web', track: 'canary' } },
      spec: { containers: [{ name: 'only', image: 'alpine' }] },
    });
  });

  it('merges Service ports by port, and replaces the lists of kinds Kubernetes does not define', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization(
        'resources: [svc.yaml, release.yaml]\npatches:\n  - path: p.yaml\n',
      ),
      'svc.yaml': SERVICE,
      'release.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  values:\n    hosts: [a, b]\n    tls: {enabled: false}\n',
      'p.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 443
      targetPort: 8443
    - port: 80
      name: http
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  values:
    hosts: [c]
    tls: {enabled: true}
`,
    });
    expect((find(objects, 'Service', 'web').spec as { ports: unknown }).ports).toEqual([
      { port: 443, targetPort: 8443 },
      { port: 80, targetPort: 8080, name: 'http' },
    ]);
    expect(find(objects, 'HelmRelease', 'web').spec).toEqual({
      values: { hosts: ['c'], tls: { enabled: true } },
    });
  });

  it('applies a targeted patch to every object the labelSelector picks, keeping their names', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization(`resources: [a.yaml, b.yaml, c.yaml]
patches:
  - target:
      kind: Deployment
      labelSelector: "tier=front,!legacy"
    patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: not-important
        labels:
          patched: "yes"
  - target:
      annotationSelector: "team in (ml,data)"
      name: "[ab]"
    patch: |
      - op: add
        path: /metadata/labels/owner
        value: ml
`),
      'a.yaml': deploymentNamed('a', '{tier: front}', '{team: ml}'),
      'b.yaml': deploymentNamed('b', '{tier: back}', '{team: data}'),
      'c.yaml': deploymentNamed('c', '{tier: front, legacy: "true"}', '{team: ml}'),
    });
    expect(objects.map((o) => [o.metadata.name, o.metadata.labels])).toEqual([
      ['a', { tier: 'front', patched: 'yes', owner: 'ml' }],
      ['b', { tier: 'back', owner: 'ml' }],
      ['c', { tier: 'front', legacy: 'true' }],
    ]);
  });

  it('finds the object of an untargeted patch by the namespace it had before a nested kustomization moved it', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization('resources: [base]\npatches:\n  - path: p.yaml\n'),
      'base/kustomization.yaml': kustomization('namespace: team\nresources: [svc.yaml]\n'),
      'base/svc.yaml': SERVICE,
      'p.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n',
    });
    expect(objects[0]).toMatchObject({
      metadata: { name: 'web', namespace: 'team' },
      spec: { type: 'NodePort' },
    });
  });

  it('refuses patches kustomize refuses', async () => {
    const base = { 'deploy.yaml': DEPLOYMENT };
    const cases: [string, RegExp][] = [
      [
        'patches:\n  - patch: "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: nothing\\n"\n',
        /patches\[0\]: no object of this kustomization match(es)? the patch for ConfigMap default\/nothing/,
      ],
      [
        'patches:\n  - target: {kind: Deployment}\n    patch: "kind: Deployment\\n---\\nkind: Deployment\\n"\n',
        /patches\[0\]: an entry with a target may hold only one strategic merge patch/,
      ],
      [
        'patches:\n  - patch: "apiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: web\\n$setElementOrder/containers: []\\n"\n',
        /the "\$setElementOrder\/containers" directive is not supported/,
      ],
      ['patches:\n  - {path: p.yaml, patch: "x: 1"}\n', /patches\[0\]: set path or patch, not both/],
      ['patches:\n  - {target: {kind: Deployment}}\n', /patches\[0\]: set one of path and patch/],
      [
        'patches:\n  - path: p.yaml\n    options: {allowNameChange: true}\n',
        /patches\[0\]: field "options" is not supported/,
      ],
      [
        'patches:\n  - path: ../../outside.yaml\n',
        /patches\[0\]\.path: "..\/..\/outside.yaml": points outside the repository|not found/,
      ],
      [
        'patches:\n  - path: https://example.com/p.yaml\n',
        /remote patch "https:\/\/example.com\/p.yaml" is not allowed/,
      ],
    ];
    for (const [body, expected] of cases) {
      const message = await buildError({
        ...base,
        'p.yaml': 'kind: Deployment\n',
        'kustomization.yaml': kustomization(`resources: [deploy.yaml]\n${body}`),
      });
      expect(message).toMatch(expected);
    }
  });
});

describe('JSON 6902 patches', () => {
  const TARGET = '\n    target: {kind: Deployment, name: web}';
  const withOps = (target = TARGET) =>
    kustomization(`resources: [deploy.yaml]\npatches:\n  - path: ops.yaml${target}\n`);
  const OPS = `[{"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "web"},
 {"op": "replace", "path": "/spec/replicas", "value": 3},
 {"op": "add", "path": "/spec/template/spec/containers/0/args", "value": ["--verbose"]},
 {"op": "remove", "path": "/spec/template/spec/containers/1"},
 {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/labels/copied"},
 {"op": "move", "from": "/spec/template/spec/imagePullSecrets", "path": "/spec/template/spec/pullSecrets"}]
`;

  it('applies add, remove, replace, move, copy and test in order', async () => {
    const [web] = await build({
      'kustomization.yaml': withOps(),
      'deploy.yaml': DEPLOYMENT,
      'ops.yaml': OPS,
    });
    const spec = web!.spec as { replicas: number; template: { spec: Record<string, unknown> } };
    expect(spec.replicas).toBe(3);
    expect(web!.metadata.labels).toEqual({ app: 'web', copied: 'web' });
    expect(spec.template.spec['containers']).toEqual([
      {
        name: 'web',
        image: 'nginx:1.25',
        args: ['--verbose'],
        ports: [{ containerPort: 80 }],
        env: expect.any(Array),
        volumeMounts: expect.any(Array),
      },
    ]);
    expect(spec.template.spec['imagePullSecrets']).toBeUndefined();
    expect(spec.template.spec['pullSecrets']).toEqual([{ name: 'regcred' }]);
  });

  it('refuses a JSON 6902 patch without a target', async () => {
    expect(
      await buildError({ 'kustomization.yaml': withOps(''), 'deploy.yaml': DEPLOYMENT, 'ops.yaml': OPS }),
    ).toMatch(/kustomization.yaml: patches\[0\]: a JSON 6902 patch needs a target/);
  });

  it('names the operation that fails', async () => {
    const fails = async (ops: string) =>
      buildError({ 'kustomization.yaml': withOps(), 'deploy.yaml': DEPLOYMENT, 'ops.yaml': ops });
    expect(await fails('- {op: test, path: /spec/replicas, value: 2}\n')).toMatch(
      /patches\[0\]: JSON patch on Deployment default\/web: operation 0 \(test \/spec\/replicas\): the test operation failed/,
    );
    expect(await fails('- {op: remove, path: /spec/paused}\n')).toMatch(
      /operation 0 \(remove \/spec\/paused\): the path does not exist/,
    );
    expect(await fails('- {op: jump, path: /spec}\n')).toMatch(/operation 0: expected an op of add, remove/);
    expect(await fails('- {op: add, path: /spec/x}\n')).toMatch(/operation 0: add needs a value/);
  });
});
