// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile parameters use ${param} on purpose
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { FLUX } from '../support/flux-kinds.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, spec, writeFiles } from './profiles-helpers.js';
import { afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledProfilesDir } from '../../src/integrations/profiles/catalog.js';

afterAll(cleanupAll);

const ACCOUNT = '123456789012';
const REGISTRY = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`;

async function renderMobile() {
  const profile = await resolveProfile('mobile', { env: process.env });
  return renderCluster({
    spec: spec({ profile: { source: 'mobile', parameters: { hostedZoneId: 'Z0000000000EXAMPLE' } } }),
    profile,
    accountId: ACCOUNT,
    reconciler: FLUX,
  });
}

function automation(rendered: Awaited<ReturnType<typeof renderMobile>>) {
  return flux.imageAutomationFiles({
    url: 'https://git.example.com/acme/fleet.git',
    branch: 'main',
    path: rendered.path,
    interval: '5m',
    images: rendered.images,
  });
}

describe('image automation files', () => {
  it('mobile automates its API image: the repository and the parameter its Deployment runs', async () => {
    const rendered = await renderMobile();
    expect(rendered.images).toEqual([
      {
        repository: 'research/api',
        uri: `${REGISTRY}/research/api`,
        parameter: 'apiImage',
        value: 'ghcr.io/stefanprodan/podinfo:6.7.1',
      },
    ]);
    // The automation field is the profile's, not ECR's: it does not reach the effective spec.
    expect(rendered.spec.ecrRepositories.find((r) => r.name === 'research/api')).not.toHaveProperty(
      'imageParameter',
    );
  });

  it('scans with provider aws, orders main-<seconds>-<sha7> tags by the seconds, commits through a GitRepository of its own', async () => {
    const out = automation(await renderMobile());
    const objects = parseAllDocuments(out.files['image-automation.yaml']!).map((d) => d.toJS());
    const byKind = Object.fromEntries(objects.map((o) => [o.kind, o]));
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'GitRepository/flux-system/gitops-image-updates',
      'ImageRepository/flux-system/research-api',
      'ImagePolicy/flux-system/research-api',
      'ImageUpdateAutomation/flux-system/gitops-image-updates',
    ]);
    for (const o of objects.slice(1)) expect(o.apiVersion).toBe('image.toolkit.fluxcd.io/v1');
    expect(byKind.ImageRepository.spec).toEqual({
      image: `${REGISTRY}/research/api`,
      interval: '5m',
      provider: 'aws',
    });
    expect(byKind.ImagePolicy.spec.policy).toEqual({ numerical: { order: 'asc' } });
    const pattern = new RegExp(byKind.ImagePolicy.spec.filterTags.pattern.replace('(?P<', '(?<'));
    expect(pattern.exec('main-1700000000-abc1234')?.groups?.['ts']).toBe('1700000000');
    for (const other of [
      'feature-1700000000-abc1234',
      'main-1700000000-abc12345',
      'main-17x-abc1234',
      'latest',
    ])
      expect(pattern.test(other), other).toBe(false);
    // Write access is a Secret of its own: never the sync's flux-system one.
    expect(byKind.GitRepository.spec.secretRef).toEqual({ name: 'gitops-image-automation' });
    expect(byKind.ImageUpdateAutomation.spec.sourceRef).toEqual({
      kind: 'GitRepository',
      name: 'gitops-image-updates',
    });
    expect(byKind.ImageUpdateAutomation.spec.update).toEqual({
      path: './clusters/research',
      strategy: 'Setters',
    });
    expect(byKind.ImageUpdateAutomation.spec.git.push).toEqual({ branch: 'main' });
  });

  it('writes the images the team owns with a setter comment per parameter, and the layers substitute from it last', async () => {
    const rendered = await renderMobile();
    const out = automation(rendered);
    const images = out.teamFiles['images.yaml']!;
    expect(images).toContain(
      'apiImage: ghcr.io/stefanprodan/podinfo:6.7.1 # {"$imagepolicy": "flux-system:research-api"}',
    );
    expect(parse(images).data).toEqual({ apiImage: 'ghcr.io/stefanprodan/podinfo:6.7.1' });
    const layers = parseAllDocuments(
      flux.layerFiles({ layers: rendered.layers, values: rendered.values, overrides: out.overrides })[
        'layers.yaml'
      ]!,
    ).map((d) => d.toJS());
    for (const l of layers)
      expect(l.spec.postBuild.substituteFrom).toEqual([
        { kind: 'ConfigMap', name: 'gitops-values' },
        { kind: 'ConfigMap', name: 'gitops-images' },
      ]);
  });

  it('ml automates its notebook image as the name and tag JupyterHub takes, and its model server runtime image', async () => {
    const profile = await resolveProfile('ml', { env: process.env });
    const rendered = renderCluster({
      spec: spec({ profile: { source: 'ml' } }),
      profile,
      accountId: ACCOUNT,
      reconciler: FLUX,
    });
    expect(rendered.images).toEqual([
      {
        repository: 'research/notebook',
        uri: `${REGISTRY}/research/notebook`,
        parameter: 'notebookImage',
        value: 'quay.io/jupyter/scipy-notebook',
        tag: { parameter: 'notebookImageTag', value: '2024-12-09' },
      },
      {
        repository: 'research/model-server',
        uri: `${REGISTRY}/research/model-server`,
        parameter: 'modelServerImage',
        value: 'kserve/sklearnserver:v0.15.2',
      },
    ]);
    const images = automation(rendered).teamFiles['images.yaml']!;
    expect(images).toContain(
      'notebookImage: quay.io/jupyter/scipy-notebook # {"$imagepolicy": "flux-system:research-notebook:name"}',
    );
    expect(images).toContain(
      'notebookImageTag: 2024-12-09 # {"$imagepolicy": "flux-system:research-notebook:tag"}',
    );
    expect(images).toContain(
      'modelServerImage: kserve/sklearnserver:v0.15.2 # {"$imagepolicy": "flux-system:research-model-server"}',
    );
    // A ConfigMap's data are strings: the date-like tag stays one.
    expect(parse(images).data).toEqual({
      notebookImage: 'quay.io/jupyter/scipy-notebook',
      notebookImageTag: '2024-12-09',
      modelServerImage: 'kserve/sklearnserver:v0.15.2',
    });
    // The fields they land in: the single-user image's name and tag, the runtime's container image.
    const ml = join(bundledProfilesDir(), 'ml');
    const hub = parse(readFileSync(join(ml, 'apps/jupyterhub.yaml'), 'utf8'));
    expect(hub.spec.values.singleuser.image).toEqual({
      name: '${notebookImage}',
      tag: '${quote}${notebookImageTag}${quote}',
    });
    const runtime = parse(readFileSync(join(ml, 'configs/model-server.yaml'), 'utf8'));
    expect(runtime.kind).toBe('ClusterServingRuntime');
    expect(runtime.spec.containers.map((c: { image: string }) => c.image)).toEqual(['${modelServerImage}']);
  });

  it('refuses a tagParameter without an imageParameter, or the same parameter for name and tag', async () => {
    const refusal = async (ecr: string) => {
      const dir = `${tempDir('gitops-img-')}/app`;
      writeFiles(dir, {
        'profile.yaml': profileYaml(
          'app',
          `parameters:\n  - name: image\n    type: string\n    default: a/b\necrRepositories:\n  - name: \${cluster}/app\n${ecr}`,
        ),
        'apps/kustomization.yaml': KUSTOMIZATION(),
      });
      const profile = await resolveProfile(dir, { env: process.env });
      try {
        renderCluster({
          spec: spec({ profile: { source: dir } }),
          profile,
          accountId: ACCOUNT,
          reconciler: FLUX,
        });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const alone = await refusal('    tagParameter: image\n');
    expect(isGitopsError(alone) && alone.message).toBe(
      "app profile.yaml: ecrRepositories[0].tagParameter: needs an imageParameter holding the image's name",
    );
    const same = await refusal('    imageParameter: image\n    tagParameter: image\n');
    expect(isGitopsError(same) && same.exitCode).toBe(2);
    expect(isGitopsError(same) && same.message).toBe(
      'app profile.yaml: ecrRepositories[0].tagParameter: "image" is also the imageParameter; the name and the tag need a parameter each',
    );
  });

  it('refuses an imageParameter that is not a string parameter of the profile, naming the field', async () => {
    const dir = `${tempDir('gitops-img-')}/app`;
    writeFiles(dir, {
      'profile.yaml': profileYaml(
        'app',
        'parameters:\n  - name: replicas\n    type: number\n    default: 2\necrRepositories:\n  - name: ${cluster}/app\n    imageParameter: replicas\n',
      ),
      'apps/kustomization.yaml': KUSTOMIZATION(),
    });
    const profile = await resolveProfile(dir, { env: process.env });
    let err: unknown;
    try {
      renderCluster({
        spec: spec({ profile: { source: dir } }),
        profile,
        accountId: ACCOUNT,
        reconciler: FLUX,
      });
    } catch (e) {
      err = e;
    }
    expect(isGitopsError(err)).toBe(true);
    if (!isGitopsError(err)) return;
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      'app profile.yaml: ecrRepositories[0].imageParameter: "replicas" is not a string parameter of the profile',
    );
  });
});
