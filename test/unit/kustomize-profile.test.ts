// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile manifests use ${param} on purpose
/**
 * One dialect end to end: a profile whose kustomization uses every supported field (patches,
 * images and replicas included) renders as bootstrap renders it, and the checkout it is pushed to
 * builds, through the Flux reconciler's `desired()` that `gitops diff` compares with the cluster,
 * into exactly the objects written out below. And the profile check and the builder refuse the
 * same fields with the same words, because they read kustomizations with one reader.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isGitopsError } from '../../src/primitives/errors.js';
import { KUSTOMIZATION_FIELDS } from '../../src/integrations/kustomize/kustomization.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { buildError, kustomization } from './kustomize-helpers.js';
import { FLUX } from '../support/flux-kinds.js';
import { fleetTree, profileYaml, spec, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const KUSTOMIZATION = kustomization(`metadata:
  name: app
namespace: apps
resources:
  - deploy.yaml
  - svc.yaml
labels:
  - pairs:
      tier: frontend
commonLabels:
  app.kubernetes.io/part-of: app
commonAnnotations:
  team: ml
patches:
  - path: patches/resources.yaml
  - path: patches/probe.yaml
    target:
      kind: Deployment
      labelSelector: app=web
  - target:
      kind: Service
      name: web
    patch: |
      - op: replace
        path: /spec/type
        value: ClusterIP
images:
  - name: web
    newName: \${ecrRegistry}/web
    newTag: "1.4.2"
replicas:
  - name: web
    count: 3
`);

const PROFILE_FILES = {
  'profile.yaml': profileYaml('app'),
  'manifests/kustomization.yaml': KUSTOMIZATION,
  'manifests/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web:dev
          ports: [{containerPort: 8080}]
`,
  'manifests/svc.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
  'manifests/patches/resources.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            requests: {cpu: 100m, memory: 128Mi}
`,
  'manifests/patches/probe.yaml': `- op: add
  path: /spec/template/spec/containers/0/readinessProbe
  value:
    httpGet: {path: /healthz, port: 8080}
`,
};

const FLUX_LABELS = {
  'kustomize.toolkit.fluxcd.io/name': 'apps',
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};
const PART_OF = { 'app.kubernetes.io/part-of': 'app' };

async function renderApp(files: Record<string, string>) {
  const dir = path.join(tempDir('gitops-prof-'), 'app');
  writeFiles(dir, files);
  const profile = await resolveProfile(dir, { env: process.env });
  return renderCluster({
    spec: spec({ profile: { source: dir } }),
    profile,
    accountId: '123456789012',
    reconciler: FLUX,
  });
}

describe('a profile kustomization with patches, images and replicas', () => {
  it('uses every field of the supported list', () => {
    expect(Object.keys(parse(KUSTOMIZATION) as object).sort()).toEqual([...KUSTOMIZATION_FIELDS].sort());
  });

  it('renders, and builds into the objects gitops diff compares', async () => {
    const rendered = await renderApp(PROFILE_FILES);
    expect(Object.keys(rendered.shared[0]!.files)).toEqual(
      expect.arrayContaining(['apps/patches/resources.yaml', 'apps/patches/probe.yaml']),
    );
    const checkout = tempDir('gitops-fleet-');
    writeFiles(checkout, fleetTree(rendered));

    const desired = await flux.desired(checkout, rendered.path);
    const applied = desired.objects.filter(
      (o) => o.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'] === 'apps',
    );

    expect(applied).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'web',
          namespace: 'apps',
          labels: { app: 'web', tier: 'frontend', ...PART_OF, ...FLUX_LABELS },
          annotations: { team: 'ml' },
        },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web', ...PART_OF } },
          template: {
            metadata: { labels: { app: 'web', ...PART_OF }, annotations: { team: 'ml' } },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/web:1.4.2',
                  ports: [{ containerPort: 8080 }],
                  resources: { requests: { cpu: '100m', memory: '128Mi' } },
                  readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'web',
          namespace: 'apps',
          labels: { tier: 'frontend', ...PART_OF, ...FLUX_LABELS },
          annotations: { team: 'ml' },
        },
        spec: {
          type: 'ClusterIP',
          selector: { app: 'web', ...PART_OF },
          ports: [{ port: 80, targetPort: 8080 }],
        },
      },
    ]);
  });

  it('refuses at render time a patch file that is not a patch, a patch the profile does not ship, a bad target', async () => {
    const bad = async (files: Record<string, string>) => {
      const e = await renderApp({ ...PROFILE_FILES, ...files }).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
      return e.message;
    };
    expect(await bad({ 'manifests/patches/probe.yaml': '- just\n- words\n' })).toMatch(
      /patches\/probe.yaml: operation 0: expected an op of add, remove, replace, move, copy or test/,
    );
    expect(
      await bad({
        'manifests/kustomization.yaml': KUSTOMIZATION.replace('patches/resources.yaml', 'patches/gone.yaml'),
      }),
    ).toMatch(/patches\[0\]\.path: "patches\/gone.yaml" is not a file of the profile/);
    expect(
      await bad({ 'manifests/kustomization.yaml': KUSTOMIZATION.replace('app=web', '"app in web"') }),
    ).toMatch(/patches\[1\]\.target\.labelSelector: invalid selector "app in web": cannot read "app in web"/);
  });
});

describe('one list of fields for the profile check and the builder', () => {
  const UNSUPPORTED = [
    'bases',
    'buildMetadata',
    'components',
    'configMapGenerator',
    'configurations',
    'crds',
    'generatorOptions',
    'generators',
    'helmCharts',
    'imageTags',
    'namePrefix',
    'nameSuffix',
    'openapi',
    'patchesJson6902',
    'patchesStrategicMerge',
    'replacements',
    'secretGenerator',
    'sortOptions',
    'transformers',
    'vars',
  ];

  it('both refuse every other field, with the same message', async () => {
    for (const field of UNSUPPORTED) {
      const text = `${kustomization('resources: [cm.yaml]\n')}${field}: []\n`;
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';
      const built = await buildError({ 'kustomization.yaml': text, 'cm.yaml': cm });
      const rendered = await renderApp({
        'profile.yaml': profileYaml('app'),
        'manifests/kustomization.yaml': text,
        'manifests/cm.yaml': cm,
      }).then(
        () => 'rendered',
        (e: Error) => e.message,
      );
      const expected = `kustomize field "${field}" is not supported by gitops`;
      expect(built).toBe(`kustomization.yaml: ${expected}`);
      expect(rendered).toMatch(new RegExp(`app/manifests/kustomization.yaml: ${expected}$`));
    }
  });
});
