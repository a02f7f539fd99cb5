/**
 * gitops migrate's conversion on a real repository: a cluster folder in the layout before layers
 * (a full copy of the profile under profile/, rewritten by each bootstrap), edited by the team
 * after gitops's last bootstrap commit, becomes the layered layout in one commit, with every edit
 * carried into a layer overlay, and what Flux builds from it is what the team had.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { publishFleet } from '../../src/integrations/git/fleet.js';
import { openFleetHistory } from '../../src/integrations/git/history.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { field } from '../../src/integrations/kube/object.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { convert } from '../../src/usecases/migrate/convert.js';
import { fluxCrdsYaml } from '../support/flux-kinds.js';
import { oldLayout } from '../support/old-layout.js';
import { renderFor } from './fleet-helpers.js';
import { bareRepo, cleanupAll, commitAsOther, lsTree, show, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, writeFiles } from './profiles-helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';

afterAll(cleanupAll);

/** Install manifests whose CRDs serve Flux's kinds (what flux-system/ of the old folder holds). */
const COMPONENTS = `# gitops: flux-version=2.9.3 sha256=${'0'.repeat(64)} checksum=recorded\n${fluxCrdsYaml()}`;

const NOTES =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-notes\n  namespace: mlflow\ndata:\n  price: "$5"\n';

async function converted(repoUrl: string, vpcId?: string) {
  const history = (await openFleetHistory(repoUrl, 'main', { env: process.env }))!;
  try {
    return await convert({
      history,
      path: 'clusters/research',
      cluster: 'research',
      reconciler: flux,
      env: process.env,
      kubernetesVersion: '1.34',
      vpcId,
    });
  } finally {
    await history.remove();
  }
}

describe('gitops migrate', () => {
  it("converts the earlier layout in one commit, carrying the team's edits into the layer overlays", async () => {
    const repo = bareRepo();
    const rendered = await renderFor('research', 'ml', repo.url);
    const files = oldLayout(rendered, COMPONENTS);
    commitAsOther(repo, files, 'gitops: bootstrap research with profile ml@1.0.0');
    const mlflow = 'clusters/research/profile/ml/apps/mlflow.yaml';
    const edited = files[mlflow]!.replace('  replicas: 1\n', '  replicas: 2\n').replace(
      /---\napiVersion: v1\nkind: Service\n[\s\S]*$/,
      '',
    );
    commitAsOther(
      repo,
      {
        [mlflow]: edited,
        'clusters/research/profile/ml/apps/notes.yaml': NOTES,
        'clusters/research/profile/ml/apps/kustomization.yaml': `${files['clusters/research/profile/ml/apps/kustomization.yaml']}  - notes.yaml\n`,
        'clusters/research/kustomization.yaml': KUSTOMIZATION('flux-system', 'profile', 'extras'),
        'clusters/research/extras/kustomization.yaml': KUSTOMIZATION('quota.yaml'),
        'clusters/research/extras/quota.yaml':
          'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: mlflow\nspec:\n  hard: { pods: "20" }\n',
      },
      'research: two mlflow replicas, no mlflow Service, team notes, a quota',
    );

    const c = await converted(repo.url);
    expect(c.baseline).toMatch(/^[0-9a-f]{40}$/);
    expect(c.edits.map((e) => [e.object, e.change, e.layer, e.file])).toEqual([
      ['Deployment mlflow/mlflow', 'changed', 'apps', 'apps/migrated/deployment-mlflow-mlflow.yaml'],
      ['Service mlflow/mlflow', 'removed', 'apps', 'apps/migrated/service-mlflow-mlflow.yaml'],
      ['ConfigMap mlflow/team-notes', 'added', 'apps', 'apps/migrated/configmap-mlflow-team-notes.yaml'],
      ['extras', 'listed', 'apps', 'apps/kustomization.yaml'],
    ]);
    const result = await publishFleet({
      env: process.env,
      url: repo.url,
      branch: 'main',
      path: 'clusters/research',
      change: c.edit,
      message: 'gitops: migrate research to the layered fleet layout',
    });
    expect(result.committed).toBe(true);
    const tree = lsTree(repo);
    expect(tree.some((f) => f.startsWith('clusters/research/profile/'))).toBe(false);
    expect(tree).toEqual(
      expect.arrayContaining([
        `profiles/ml/${bundledVersion('ml')}/source.yaml`,
        'clusters/research/layers.yaml',
      ]),
    );
    expect(show(repo, 'main:clusters/research/apps/migrated/deployment-mlflow-mlflow.yaml')).toContain(
      '- op: replace\n  path: /spec/replicas\n  value: 2\n',
    );

    // What Flux builds from the converted folder is what the team had.
    const checkout = tempDir('gitops-co-');
    writeFiles(checkout, Object.fromEntries(tree.map((f) => [f, show(repo, `main:${f}`)])));
    const desired = (await flux.desired(checkout, 'clusters/research')).objects;
    const find = (kind: string, name: string) =>
      desired.find((o) => o.kind === kind && o.metadata.name === name);
    expect((find('Deployment', 'mlflow') as KubeObject)['spec']).toMatchObject({ replicas: 2 });
    expect(find('Service', 'mlflow')).toBeUndefined();
    expect((find('ConfigMap', 'team-notes') as KubeObject)['data']).toEqual({ price: '$5' });
    expect(find('ResourceQuota', 'q')?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('apps');
  });

  it("applies the provisioning outputs today's HelmReleases read (cluster-values, with the VPC id EKS reports)", async () => {
    // The earlier layout had no cluster-values.yaml; the load balancer controller of today's base
    // reads its VPC id from it, and without it the controllers layer never becomes ready.
    const repo = bareRepo();
    const rendered = await renderFor('research', 'ml', repo.url);
    commitAsOther(repo, oldLayout(rendered, COMPONENTS), 'gitops: bootstrap research with profile ml@1.0.0');
    const vpcId = 'vpc-0123456789abcdef0';
    const c = await converted(repo.url, vpcId);
    await publishFleet({
      env: process.env,
      url: repo.url,
      branch: 'main',
      path: 'clusters/research',
      change: c.edit,
      message: 'gitops: migrate research to the layered fleet layout',
    });
    const tree = lsTree(repo);
    const checkout = tempDir('gitops-co-');
    writeFiles(checkout, Object.fromEntries(tree.map((f) => [f, show(repo, `main:${f}`)])));
    const desired = (await flux.desired(checkout, 'clusters/research')).objects;
    const configMap = (name: string, namespace: string) =>
      desired.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === namespace,
      );
    expect(configMap('cluster-values', 'flux-system')?.['data']).toMatchObject({
      vpcId,
      clusterName: 'research',
      accountId: rendered.values.data['accountId'],
    });
    // Every ConfigMap key a HelmRelease needs (not optional) is applied by the converted folder.
    const needed = desired
      .filter((o) => o.kind === 'HelmRelease')
      .flatMap((hr) => {
        const from = field(hr, 'spec', 'valuesFrom');
        return (Array.isArray(from) ? from : [])
          .filter((v) => field(v, 'kind') === 'ConfigMap' && field(v, 'optional') !== true)
          .map((v) => ({
            release: hr.metadata.name,
            name: String(field(v, 'name')),
            namespace: hr.metadata.namespace ?? 'default',
            key: String(field(v, 'valuesKey') ?? 'values.yaml'),
          }));
      });
    expect(needed.map((n) => n.name)).toContain('cluster-values');
    const missing = needed.filter((n) => field(configMap(n.name, n.namespace), 'data', n.key) === undefined);
    expect(missing).toEqual([]);
    expect(c.vpcId).toBe(vpcId);
  });

  it('takes the VPC id from a cluster-values.yaml already in the folder when EKS was not asked', async () => {
    const repo = bareRepo();
    const rendered = await renderFor('research', 'ml', repo.url);
    commitAsOther(
      repo,
      {
        ...oldLayout(rendered, COMPONENTS),
        'clusters/research/cluster-values.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-values\n  namespace: flux-system\ndata:\n  vpcId: vpc-0fedcba9876543210\n',
      },
      'gitops: bootstrap research with profile ml@1.0.0',
    );
    const c = await converted(repo.url);
    expect(c.vpcId).toBe('vpc-0fedcba9876543210');
    expect(c.edit.files?.['clusters/research/cluster-values.yaml']).toContain('vpcId: vpc-0fedcba9876543210');
  });

  it('refuses, pushing nothing, an edit the new profile version has no place for', async () => {
    const repo = bareRepo();
    const rendered = await renderFor('research', 'ml', repo.url);
    const files = oldLayout(rendered, COMPONENTS);
    const legacy =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: mlflow\ndata:\n  a: "1"\n';
    const apps = 'clusters/research/profile/ml/apps/kustomization.yaml';
    commitAsOther(
      repo,
      {
        ...files,
        'clusters/research/profile/ml/apps/legacy.yaml': legacy,
        [apps]: `${files[apps]}  - legacy.yaml\n`,
      },
      'gitops: bootstrap research with profile ml@0.9.0',
    );
    commitAsOther(
      repo,
      { 'clusters/research/profile/ml/apps/legacy.yaml': legacy.replace('"1"', '"2"') },
      'edit legacy',
    );
    const e = await converted(repo.url).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isGitopsError(e) && e.message).toMatch(
      /cannot carry every edit into the layered layout: ConfigMap mlflow\/legacy is not applied by any layer/,
    );
    expect(lsTree(repo)).toEqual(expect.arrayContaining(['clusters/research/profile/source.yaml']));
  });
});
