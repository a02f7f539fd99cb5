/**
 * ml's images in the developer loop, in the sandbox: ml bootstrapped with image automation; a
 * tag pushed to each of its ECR repositories is committed by the stand-in's image automation to
 * the fields that run it: JupyterHub's single-user image as a name and a tag (the chart takes
 * them apart), and the container image of the model-server ClusterServingRuntime.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import { admin, bootstrapArgs, createFleetRepo, emulator, eventually, gitops } from './helpers.js';

const CLUSTER = 'e2e-imgauto-ml';
const TOKEN = 'sandbox-image-automation-write-token-0002';
const NOTEBOOK_TAG = 'main-1700000300-ccccccc';
const MODEL_SERVER_TAG = 'main-1700000400-ddddddd';

async function imagesYaml(url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-imgauto-ml-'));
  try {
    await simpleGit().clone(url, dir, ['--quiet']);
    return await readFile(join(dir, `clusters/${CLUSTER}/images.yaml`), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(sandboxFluxBundle().kind === 'mini')(
  'image automation of ml: notebook and model-server images reach the fields that run them (needs ../shared/fixtures/flux-v2.9.3)',
  () => {
    let fleet: { url: string; dir: string };
    let kube: KubeClient;

    beforeAll(async () => {
      fleet = await createFleetRepo(CLUSTER);
      kube = await admin();
    });
    afterAll(() => kube.close());

    it('commits the newest tag of each repository to the name/tag and whole-image parameters', async () => {
      const boot = await gitops(
        ['-o', 'json', ...bootstrapArgs(CLUSTER, 'ml', fleet.url, ['--image-automation'])],
        {
          env: { GITOPS_IMAGE_AUTOMATION_TOKEN: TOKEN },
        },
      );
      expect(boot.code, boot.stderr).toBe(0);
      const before = await imagesYaml(fleet.url);
      expect(before).toContain(
        `notebookImage: quay.io/jupyter/scipy-notebook # {"$imagepolicy": "flux-system:${CLUSTER}-notebook:name"}`,
      );
      expect(before).toContain(
        `notebookImageTag: 2024-12-09 # {"$imagepolicy": "flux-system:${CLUSTER}-notebook:tag"}`,
      );

      const status = JSON.parse((await gitops(['-o', 'json', 'status', '--cluster', CLUSTER])).stdout) as {
        ecrRepositories: { name: string; uri: string }[];
      };
      const uri = (name: string) => status.ecrRepositories.find((r) => r.name === `${CLUSTER}/${name}`)!.uri;
      const push = (repository: string, tag: string) =>
        emulator('images', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ repository: `${CLUSTER}/${repository}`, tag, pushedAt: Date.now() }),
        });
      await push('notebook', NOTEBOOK_TAG);
      await push('model-server', MODEL_SERVER_TAG);

      const hub = {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        name: 'jupyterhub',
        namespace: 'flux-system',
      };
      const runtime = {
        apiVersion: 'serving.kserve.io/v1alpha1',
        kind: 'ClusterServingRuntime',
        name: 'model-server',
      };
      const live = async () => {
        const [h, r] = await Promise.all([kube.get(hub), kube.get(runtime)]);
        const values = h?.['spec'] as { values?: { singleuser?: { image?: unknown } } } | undefined;
        const containers = (r?.['spec'] as { containers?: { image?: string }[] } | undefined)?.containers;
        return { singleuser: values?.values?.singleuser?.image, runtime: containers?.[0]?.image };
      };
      const rolledOut = await eventually(
        async () => {
          const l = await live();
          return (
            l.runtime === `${uri('model-server')}:${MODEL_SERVER_TAG}` &&
            JSON.stringify(l.singleuser) === JSON.stringify({ name: uri('notebook'), tag: NOTEBOOK_TAG })
          );
        },
        120_000,
        500,
      );
      expect(rolledOut, JSON.stringify(await live())).toBe(true);
      const after = await imagesYaml(fleet.url);
      expect(after).toContain(
        `notebookImage: ${uri('notebook')} # {"$imagepolicy": "flux-system:${CLUSTER}-notebook:name"}`,
      );
      expect(after).toContain(
        `notebookImageTag: ${NOTEBOOK_TAG} # {"$imagepolicy": "flux-system:${CLUSTER}-notebook:tag"}`,
      );
      expect(after).toContain(
        `modelServerImage: ${uri('model-server')}:${MODEL_SERVER_TAG} # {"$imagepolicy": "flux-system:${CLUSTER}-model-server"}`,
      );
      // The GPU servers keep their CUDA image: only the CPU servers' image follows the repository.
      const h = await kube.get(hub);
      expect(JSON.stringify(h?.['spec'])).toContain('quay.io/jupyter/pytorch-notebook:cuda12-2024-12-09');
    });
  },
);
