// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile manifests use ${param} on purpose
/**
 * The layer check: a profile converges in one pass only if every object's kind exists when its
 * layer is applied. Every bundled profile passes; the same profiles flattened into one folder (the
 * layout before layers, where mobile's Flagger Canary sat beside the HelmRelease that installs its
 * CRDs) are refused, naming the object, its kind and the layer; custom profiles get the same check.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { bundledProfilesDir, resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { FLUX } from '../support/flux-kinds.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, spec, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const ACCOUNT = '123456789012';
const LAYERS = ['controllers', 'configs', 'apps'];

/** mobile needs the Route 53 zone external-dns may write to. */
const PARAMETERS: Record<string, Record<string, string>> = { mobile: { hostedZoneId: 'Z0000000000EXAMPLE' } };

async function render(source: string, options: { kubernetesVersion?: string; kinds?: typeof FLUX } = {}) {
  const parameters = PARAMETERS[path.basename(source)] ?? {};
  return renderCluster({
    spec: {
      ...spec({ profile: { source, parameters } }),
      kubernetesVersion: options.kubernetesVersion ?? '1.34',
    },
    profile: await resolveProfile(source, { env: process.env }),
    accountId: ACCOUNT,
    reconciler: options.kinds ?? FLUX,
  });
}

async function refusal(p: Promise<unknown>): Promise<{ message: string; hint?: string; exitCode: number }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  return { message: e.message, exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}) };
}

/**
 * A bundled profile (and the bundled profiles it includes, beside it) as it would be in the
 * layout before layers: every layer folder under one manifests/, applied as one Kustomization.
 */
function flattened(name: string): string {
  const root = tempDir('gitops-old-');
  for (const p of readdirSync(bundledProfilesDir())) {
    const from = path.join(bundledProfilesDir(), p);
    if (!existsSync(path.join(from, 'profile.yaml'))) continue;
    cpSync(path.join(from, 'profile.yaml'), path.join(root, p, 'profile.yaml'));
    if (existsSync(path.join(from, 'templates')))
      cpSync(path.join(from, 'templates'), path.join(root, p, 'templates'), { recursive: true });
    const layers = LAYERS.filter((l) => existsSync(path.join(from, l)));
    if (existsSync(path.join(from, 'manifests'))) {
      cpSync(path.join(from, 'manifests'), path.join(root, p, 'manifests'), { recursive: true });
      continue;
    }
    for (const l of layers)
      cpSync(path.join(from, l), path.join(root, p, 'manifests', l), { recursive: true });
    writeFiles(path.join(root, p), { 'manifests/kustomization.yaml': KUSTOMIZATION(...layers) });
  }
  return path.join(root, name);
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
const WIDGET = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n';
const RELEASE = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: widgets
  namespace: flux-system
spec:
  interval: 30m
  chart: { spec: { chart: widgets, version: 1.0.0, sourceRef: { kind: HelmRepository, name: widgets } } }
`;

function custom(files: Record<string, string>, extra = ''): string {
  const dir = path.join(tempDir('gitops-prof-'), 'app');
  writeFiles(dir, { 'profile.yaml': profileYaml('app', extra), ...files });
  return dir;
}

describe('the layer check', () => {
  it('passes every bundled profile', async () => {
    for (const name of readdirSync(bundledProfilesDir())) {
      if (!existsSync(path.join(bundledProfilesDir(), name, 'profile.yaml'))) continue;
      const out = await render(name);
      expect(out.shared.length, name).toBeGreaterThan(0);
    }
  });

  it('refuses the mobile profile in the layout before layers: its Canary would wait for Flagger CRDs in the same pass', async () => {
    const e = await refusal(render(flattened('mobile')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(
      /mobile\/manifests\/.*: (MetricTemplate api\/api-restarts|Canary api\/api) \(flagger\.app\/v1beta1\) in layer apps of profile mobile: no earlier layer provides this kind, and neither Kubernetes 1\.34 nor flux serves it$/,
    );
    expect(e.hint).toMatch(/components\[\]\.provides/);
  });

  it('takes a CRD from an earlier layer, not from the same one', async () => {
    await render(
      custom({
        'controllers/kustomization.yaml': KUSTOMIZATION('crd.yaml'),
        'controllers/crd.yaml': CRD,
        'configs/kustomization.yaml': KUSTOMIZATION('widget.yaml'),
        'configs/widget.yaml': WIDGET,
      }),
    );
    const e = await refusal(
      render(
        custom({
          'apps/kustomization.yaml': KUSTOMIZATION('crd.yaml', 'widget.yaml'),
          'apps/crd.yaml': CRD,
          'apps/widget.yaml': WIDGET,
        }),
      ),
    );
    expect(e.message).toMatch(
      /app\/apps\/widget\.yaml:1: Widget default\/w \(example\.com\/v1\) in layer apps of profile app/,
    );
  });

  it("takes the kinds a component's HelmRelease provides, from the layer after the release", async () => {
    const provides = `components:
  - name: widget-operator
    version: 1.0.0
    release: widgets
    provides:
      - group: example.com
        kinds: [Widget]
`;
    await render(
      custom(
        {
          'controllers/kustomization.yaml': KUSTOMIZATION('release.yaml'),
          'controllers/release.yaml': RELEASE,
          'apps/kustomization.yaml': KUSTOMIZATION('widget.yaml'),
          'apps/widget.yaml': WIDGET,
        },
        provides,
      ),
    );
    // Without the declaration the same profile is refused.
    expect(
      (
        await refusal(
          render(
            custom({
              'controllers/kustomization.yaml': KUSTOMIZATION('release.yaml'),
              'controllers/release.yaml': RELEASE,
              'apps/kustomization.yaml': KUSTOMIZATION('widget.yaml'),
              'apps/widget.yaml': WIDGET,
            }),
          ),
        )
      ).message,
    ).toMatch(/Widget default\/w/);
    // A declaration naming a release the profile does not have is refused too.
    expect(
      (
        await refusal(
          render(
            custom(
              { 'apps/kustomization.yaml': KUSTOMIZATION('widget.yaml'), 'apps/widget.yaml': WIDGET },
              provides,
            ),
          ),
        )
      ).message,
    ).toMatch(
      /component widget-operator provides example\.com, but no HelmRelease named widgets is in its layers/,
    );
  });

  it("knows Kubernetes' own APIs by version, and the reconciler's by the CRDs it installs", async () => {
    const pdb = (apiVersion: string) =>
      custom({
        'apps/kustomization.yaml': KUSTOMIZATION('pdb.yaml'),
        'apps/pdb.yaml': `apiVersion: ${apiVersion}\nkind: PodDisruptionBudget\nmetadata:\n  name: p\n  namespace: default\nspec:\n  minAvailable: 1\n`,
      });
    await render(pdb('policy/v1'));
    expect((await refusal(render(pdb('policy/v1beta1')))).message).toMatch(
      /PodDisruptionBudget default\/p \(policy\/v1beta1\) in layer apps/,
    );
    const flowSchema = custom({
      'apps/kustomization.yaml': KUSTOMIZATION('fs.yaml'),
      'apps/fs.yaml':
        'apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: f\n',
    });
    await render(flowSchema, { kubernetesVersion: '1.31' });
    expect((await refusal(render(flowSchema, { kubernetesVersion: '1.32' }))).message).toMatch(
      /Kubernetes 1\.32/,
    );
    const release = custom({
      'controllers/kustomization.yaml': KUSTOMIZATION('release.yaml'),
      'controllers/release.yaml': RELEASE,
    });
    await render(release);
    // A Flux whose CRDs serve helm.toolkit.fluxcd.io/v2beta1 only (before 2.3) cannot apply it.
    const old = {
      name: 'flux',
      kinds: [{ group: 'helm.toolkit.fluxcd.io', version: 'v2beta1', kind: 'HelmRelease' }],
    };
    expect((await refusal(render(release, { kinds: old }))).message).toMatch(
      /HelmRelease flux-system\/widgets \(helm\.toolkit\.fluxcd\.io\/v2\)/,
    );
  });
});
