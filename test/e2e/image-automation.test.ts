/**
 * The developer loop in the sandbox: mobile bootstrapped with image automation; an image tag
 * "pushed" to the emulator's ECR is found by the stand-in's image reflector (through the Pod
 * Identity role bootstrap gave it), committed to the team-owned images.yaml by the stand-in's
 * image automation with its own write credential, rolled out by the sync, and shown by status as
 * the deployed tag. A re-run of bootstrap keeps the automation's commit.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { admin, bootstrapArgs, createFleetRepo, emulator, eventually, gitops, sandbox } from './helpers.js';

const CLUSTER = 'e2e-imgauto';
const TOKEN = 'sandbox-image-automation-write-token-0001';
const API = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'api' };

interface ImageObject {
  kind: string;
  name: string;
  ready: boolean;
  reason: string;
  latestImage?: string;
}

interface StatusDoc {
  ready: boolean;
  problems: string[];
  identities: { serviceAccount: string; role?: string }[];
  imageAutomation: ImageObject[];
}

async function statusOf(cluster: string): Promise<{ code: number | null; doc: StatusDoc }> {
  const run = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
  return { code: run.code, doc: JSON.parse(run.stdout) as StatusDoc };
}

interface EcrRow {
  name: string;
  uri: string;
  latestTag?: string;
  deployedTag?: string;
  deployed: { workload: string; tag: string }[];
}

async function fleetFile(url: string, path: string): Promise<{ text: string; author: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-imgauto-'));
  try {
    await simpleGit().clone(url, dir, ['--quiet']);
    const text = await readFile(join(dir, path), 'utf8');
    const author = (await simpleGit(dir).raw(['log', '-1', '--format=%an', '--', path])).trim();
    return { text, author };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function imageOf(live: Awaited<ReturnType<KubeClient['get']>>): string | undefined {
  const spec = live?.['spec'] as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image;
}

// The minimal Flux-shaped bundle the sandbox serves without ../shared has no notification or image
// automation CRDs: without Flux's real components this file is skipped, and its title says why.
describe.skipIf(sandboxFluxBundle().kind === 'mini')(
  'image automation: a tag pushed to ECR reaches the cluster through Git (needs ../shared/fixtures/flux-v2.9.3)',
  () => {
    let fleet: { url: string; dir: string };
    let kube: KubeClient;
    const config = () => join(sandbox().gitRoot, `${CLUSTER}.gitops.yaml`);
    const args = () =>
      bootstrapArgs(CLUSTER, 'mobile', fleet.url, ['--config', config(), '--image-automation']);

    beforeAll(async () => {
      fleet = await createFleetRepo(CLUSTER);
      kube = await admin();
      await writeFile(
        config(),
        'profile:\n  source: mobile\n  parameters:\n    hostedZoneId: Z0000000000EXAMPLE\n',
      );
    });
    afterAll(() => kube.close());

    it('refuses --image-automation without a write credential, before any change', async () => {
      const run = await gitops(args());
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--image-automation: no Git write credential for Flux's image automation");
      expect(run.stderr).toContain('GITOPS_IMAGE_AUTOMATION_TOKEN');
      const state = await emulator<{ eks: { clusters: { name: string }[] } }>('state');
      expect(state.eks.clusters.map((c) => c.name)).not.toContain(CLUSTER);
    });

    it('bootstraps with the write credential in a Secret of its own, never in output or Git', async () => {
      const boot = await gitops(['-o', 'json', ...args()], { env: { GITOPS_IMAGE_AUTOMATION_TOKEN: TOKEN } });
      expect(boot.code, boot.stderr).toBe(0);
      expect(boot.stdout + boot.stderr).not.toContain(TOKEN);
      const secret = await kube.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'gitops-image-automation',
        namespace: 'flux-system',
      });
      const data = secret?.['data'] as Record<string, string>;
      expect(Buffer.from(data['password']!, 'base64').toString()).toBe(TOKEN);
      // The sync's source keeps reading without it.
      const sync = await kube.get({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        name: 'flux-system',
        namespace: 'flux-system',
      });
      expect(sync).toBeDefined();
      expect((sync!['spec'] as { secretRef?: { name: string } }).secretRef?.name).not.toBe(
        'gitops-image-automation',
      );
      const grep = await simpleGit(fleet.dir)
        .raw(['grep', '-c', TOKEN, 'main'])
        .catch(() => '');
      expect(grep).toBe('');
      const images = await fleetFile(fleet.url, `clusters/${CLUSTER}/images.yaml`);
      expect(images.text).toContain(
        `apiImage: ghcr.io/stefanprodan/podinfo:6.7.1 # {"$imagepolicy": "flux-system:${CLUSTER}-api"}`,
      );
      expect(imageOf(await kube.get(API))).toBe('ghcr.io/stefanprodan/podinfo:6.7.1');
    });

    it('commits the newest main-<seconds>-<sha7> tag, the sync rolls it out, status shows it deployed', async () => {
      const repository = `${CLUSTER}/api`;
      const push = (tag: string, at: number) =>
        emulator('images', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ repository, tag, pushedAt: at }),
        });
      // The newest by the seconds in the tag, pushed first: push time must not decide; other
      // branches' tags are not candidates.
      await push('main-1700000200-bbbbbbb', Date.now() - 60_000);
      await push('main-1700000100-aaaaaaa', Date.now() - 30_000);
      await push('feature-1700000300-ccccccc', Date.now());
      const st0 = JSON.parse((await gitops(['-o', 'json', 'status', '--cluster', CLUSTER])).stdout) as {
        ecrRepositories: EcrRow[];
      };
      const uri = st0.ecrRepositories.find((r) => r.name === repository)!.uri;
      const want = `${uri}:main-1700000200-bbbbbbb`;
      const rolledOut = await eventually(async () => imageOf(await kube.get(API)) === want, 90_000, 500);
      const state = async () => {
        const ref = (kind: string, name: string) => ({
          apiVersion: 'image.toolkit.fluxcd.io/v1',
          kind,
          name,
          namespace: 'flux-system',
        });
        const objs = await Promise.all([
          kube.get(ref('ImageRepository', `${CLUSTER}-api`)),
          kube.get(ref('ImagePolicy', `${CLUSTER}-api`)),
          kube.get(ref('ImageUpdateAutomation', 'gitops-image-updates')),
        ]);
        return `Deployment image ${imageOf(await kube.get(API))}; ${JSON.stringify(objs.map((o) => o?.['status']))}`;
      };
      expect(rolledOut, await state()).toBe(true);
      const images = await fleetFile(fleet.url, `clusters/${CLUSTER}/images.yaml`);
      expect(images.author).toBe('gitops image automation');
      expect(images.text).toContain(`apiImage: ${want} # {"$imagepolicy": "flux-system:${CLUSTER}-api"}`);

      const st = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
      const row = (JSON.parse(st.stdout) as { ecrRepositories: EcrRow[] }).ecrRepositories.find(
        (r) => r.name === repository,
      )!;
      expect(row.deployedTag).toBe('main-1700000200-bbbbbbb');
      expect(row.deployed).toContainEqual({ workload: 'Deployment api/api', tag: 'main-1700000200-bbbbbbb' });
      // The most recently pushed tag is another branch's: status says both.
      expect(row.latestTag).toBe('feature-1700000300-ccccccc');
      const text = await gitops(['status', '--cluster', CLUSTER]);
      expect(text.stdout).toContain('main-1700000200-bbbbbbb');
      // Every image automation object reports Ready, the policy with the image it chose.
      const { doc } = await statusOf(CLUSTER);
      expect(doc.imageAutomation.map((o) => [o.kind, o.name, o.ready])).toEqual([
        ['ImageRepository', `${CLUSTER}-api`, true],
        ['ImagePolicy', `${CLUSTER}-api`, true],
        ['ImageUpdateAutomation', 'gitops-image-updates', true],
      ]);
      expect(doc.imageAutomation.find((o) => o.kind === 'ImagePolicy')?.latestImage).toBe(want);
      expect(text.stdout).toContain('✔ images      3/3 image automation objects ready');
    });

    it("a reflector that may not list the repository: status reports the ImageRepository's own failure", async () => {
      const before = await statusOf(CLUSTER);
      const role = before.doc.identities.find(
        (i) => i.serviceAccount === 'flux-system/image-reflector-controller',
      )?.role;
      expect(role).toBeDefined();
      const env = sandbox().env;
      const iam = new IAMClient({
        endpoint: env['AWS_ENDPOINT_URL'],
        region: 'us-east-1',
        credentials: {
          accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '',
          secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? '',
        },
      });
      const RoleName = role!.slice(role!.lastIndexOf('/') + 1);
      try {
        for (const PolicyName of (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ??
          [])
          await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      } finally {
        iam.destroy();
      }
      let last: { code: number | null; doc: StatusDoc } | undefined;
      const failing = await eventually(
        async () => {
          last = await statusOf(CLUSTER);
          return last.doc.imageAutomation.some((o) => o.kind === 'ImageRepository' && !o.ready);
        },
        60_000,
        500,
      );
      expect(failing, JSON.stringify(last?.doc.imageAutomation)).toBe(true);
      const { code, doc } = last!;
      expect(code).toBe(3);
      expect(doc.ready).toBe(false);
      const repo = doc.imageAutomation.find((o) => o.kind === 'ImageRepository')!;
      expect(repo.reason).toContain('not authorized to perform ecr:ListImages');
      expect(doc.problems).toContain(`ImageRepository flux-system/${CLUSTER}-api: ${repo.reason}`);
      const text = await gitops(['status', '--cluster', CLUSTER]);
      expect(text.code).toBe(3);
      expect(text.stdout).toMatch(/✖ images {6}\d\/3 image automation objects ready/);
      expect(text.stdout).toMatch(
        new RegExp(
          `ImageRepository flux-system/${CLUSTER}-api +no +.*not authorized to perform ecr:ListImages`,
        ),
      );
    });

    it('a re-run of bootstrap keeps what the automation committed', async () => {
      const again = await gitops(['-o', 'json', ...args()], {
        env: { GITOPS_IMAGE_AUTOMATION_TOKEN: TOKEN },
      });
      expect(again.code, again.stderr).toBe(0);
      const images = await fleetFile(fleet.url, `clusters/${CLUSTER}/images.yaml`);
      expect(images.text).toContain(':main-1700000200-bbbbbbb # {"$imagepolicy"');
      expect(imageOf(await kube.get(API))).toMatch(/:main-1700000200-bbbbbbb$/);
      // The re-run gave the reflector's role its policy back: the scan works again.
      const scans = await eventually(
        async () =>
          (await statusOf(CLUSTER)).doc.imageAutomation.find((o) => o.kind === 'ImageRepository')?.ready ===
          true,
        60_000,
        500,
      );
      expect(scans).toBe(true);
    });
  },
);
