/**
 * The sandbox's Flux stand-in against the real apiserver, through Git as Flux reads it: each test
 * pushes a folder to a fleet repository on the sandbox's Git server and watches what the running
 * stand-in does with a Kustomization in a namespace of its own. It checks the strictness the
 * sandbox promises: an unserved kind fails the whole Kustomization and applies nothing of it,
 * dependsOn holds, prune removes what left Git, Helm releases are stood in for (and say so) or
 * refused, valuesFrom composed as helm-controller does, post-build substitution, and kinds EKS serves but 1.20 does not are schema-checked.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import { Api, type Obj } from '../support/sandbox/standin/api.js';
import { readyOf } from '../support/sandbox/standin/conditions.js';
import { createFleetRepo, sandbox } from './helpers.js';

const KS = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
const HR = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease' };
const suffix = Math.random().toString(36).slice(2, 7);
const ns = `standin-${suffix}`;
let api: Api;
let work: string;
let repoUrl: string;

beforeAll(async () => {
  api = await Api.fromKubeconfig(sandbox().adminKubeconfig);
  // Flux's CRDs as the sandbox serves them (created, not applied: a bootstrap may own them).
  for (const doc of parseAllDocuments(sandboxFluxBundle().text)) {
    const o = doc.toJS() as Obj | null;
    if (o?.kind !== 'CustomResourceDefinition') continue;
    await api
      .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', o)
      .catch(() => undefined);
  }
  await until(
    'Flux kinds served',
    async () => (await api.resource(KS.apiVersion, KS.kind)) !== undefined,
    () => api.forget(),
  );
  await api.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  const repo = await createFleetRepo(`standin-${suffix}`);
  repoUrl = repo.url;
  work = mkdtempSync(join(tmpdir(), 'standin-'));
  await simpleGit().clone(repoUrl, work);
  await push({ 'README.md': 'stand-in test fleet\n' });
  await create({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace: ns },
    spec: { interval: '1m', url: repoUrl, ref: { branch: 'main' } },
  });
});

afterAll(async () => {
  // Kustomizations first (the stand-in prunes what they applied), then what the tests made
  // directly: the sandbox's apiserver is shared by the e2e files that follow, whose status reads
  // every Flux object in the cluster, and it runs no namespace controller to clear a namespace.
  const kinds = [
    KS,
    HR,
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository' },
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository' },
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' },
  ];
  for (const kind of kinds) {
    for (const o of await api.list(kind.apiVersion, kind.kind).catch(() => [])) {
      if (o.metadata.namespace === ns)
        await api.delete({ ...kind, name: o.metadata.name!, namespace: ns }).catch(() => false);
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** Writes files (null deletes), commits and pushes; returns the revision as Flux names it. */
async function push(files: Record<string, string | null>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    const file = join(work, path);
    if (text === null) rmSync(file, { force: true });
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
  const git = simpleGit(work);
  await git.add(['-A']);
  await git.commit('stand-in test', { '--allow-empty': null });
  await git.push('origin', 'HEAD:main');
  return `main@sha1:${(await git.revparse(['HEAD'])).trim()}`;
}

async function create(o: Obj): Promise<void> {
  await api.request('POST', await api.path({ ...o, namespace: ns, name: undefined }), o);
}

function kustomization(name: string, spec: Record<string, unknown>): Obj {
  return {
    ...KS,
    metadata: { name, namespace: ns },
    spec: { interval: '1m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
  };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  between?: () => void,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false) return last as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    between?.();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The Kustomization once its Ready condition matches and (when given) it attempted the revision. */
async function settled(name: string, status: 'True' | 'False', revision?: string): Promise<Obj> {
  return await until(
    `Kustomization ${name} Ready=${status}${revision ? ` at ${revision}` : ''}`,
    async () => {
      const k = await api.get({ ...KS, name, namespace: ns });
      const ready = readyOf(k);
      const attempted = (k?.['status'] as { lastAttemptedRevision?: string } | undefined)
        ?.lastAttemptedRevision;
      return ready?.status === status && (revision === undefined || attempted === revision) ? k : undefined;
    },
  );
}

const configMap = (name: string, data: Record<string, string> = { a: '1' }) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n${Object.entries(
    data,
  )
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n`;
const cm = (name: string) => api.get({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: ns });
const status = (k: Obj) =>
  k['status'] as Record<string, unknown> & { inventory?: { entries: { id: string; v: string }[] } };

describe('the Flux stand-in against the real apiserver', () => {
  it('fails a whole Kustomization with an unserved kind, naming it, and applies nothing; removing it makes it Ready', async () => {
    const widget =
      'apiVersion: nothing.gitops.dev/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: NS\n'.replace(
        'NS',
        ns,
      );
    const rev1 = await push({
      'app/cm1.yaml': configMap('cm1'),
      'app/cm2.yaml': configMap('cm2'),
      'app/widget.yaml': widget,
    });
    await create(kustomization('app', { path: './app' }));
    const failed = await settled('app', 'False', rev1);
    expect(readyOf(failed)).toMatchObject({
      reason: 'ReconciliationFailed',
      message: `Widget/${ns}/w1 dry-run failed: no matches for kind "Widget" in version "nothing.gitops.dev/v1"`,
    });
    expect(status(failed)['lastAppliedRevision']).toBeUndefined();
    expect(await cm('cm1')).toBeUndefined();
    expect(await cm('cm2')).toBeUndefined();

    const rev2 = await push({ 'app/widget.yaml': null });
    const ready = await settled('app', 'True', rev2);
    expect(readyOf(ready)).toMatchObject({
      reason: 'ReconciliationSucceeded',
      message: `Applied revision: ${rev2}`,
    });
    expect(status(ready)).toMatchObject({
      lastAppliedRevision: rev2,
      observedGeneration: ready.metadata.generation,
    });
    expect(status(ready).inventory?.entries).toEqual([
      { id: `${ns}_cm1__ConfigMap`, v: 'v1' },
      { id: `${ns}_cm2__ConfigMap`, v: 'v1' },
    ]);
    expect((await cm('cm1'))?.metadata.labels).toMatchObject({ 'kustomize.toolkit.fluxcd.io/name': 'app' });
  });

  // Issue #13, item 2: `wait` and `healthChecks` as kustomize-controller does them. Nothing here runs
  // Jobs (the sandbox stands in for Deployments and claims, not for the Job controller), so a Job
  // stays InProgress: the Kustomization must fail with HealthCheckFailed once its timeout passes.
  it('fails a Kustomization whose wait times out (HealthCheckFailed, naming what it waited for); Ready once it is gone', async () => {
    const job = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: stuck',
      `  namespace: ${ns}`,
      'spec:',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: c',
      '          image: busybox:1.36',
      '',
    ].join('\n');
    const rev1 = await push({ 'waited/job.yaml': job, 'waited/cm.yaml': configMap('waited-cm') });
    await create(kustomization('waited', { path: './waited', wait: true, timeout: '2s' }));
    const failed = await settled('waited', 'False', rev1);
    expect(readyOf(failed)).toMatchObject({
      reason: 'HealthCheckFailed',
      message: `timeout waiting for: [Job/${ns}/stuck status: 'InProgress']`,
    });
    // Applied, but not healthy: what it applied is there, the revision is not Ready.
    expect(await cm('waited-cm')).toBeDefined();

    const rev2 = await push({ 'waited/job.yaml': null });
    const ready = await settled('waited', 'True', rev2);
    expect(readyOf(ready)).toMatchObject({ reason: 'ReconciliationSucceeded' });
    const healthy = (ready['status'] as { conditions: { type: string; status: string }[] }).conditions.find(
      (c) => c.type === 'Healthy',
    );
    expect(healthy?.status).toBe('True');
  });

  it('fails a Kustomization whose healthChecks name an object that never appears', async () => {
    const rev = await push({ 'checked/cm.yaml': configMap('checked-cm') });
    await create(
      kustomization('checked', {
        path: './checked',
        timeout: '2s',
        healthChecks: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'absent', namespace: ns }],
      }),
    );
    const failed = await settled('checked', 'False', rev);
    expect(readyOf(failed)).toMatchObject({
      reason: 'HealthCheckFailed',
      message: `timeout waiting for: [ConfigMap/${ns}/absent status: 'NotFound']`,
    });
  });

  it('prunes what left Git', async () => {
    const rev = await push({ 'app/cm2.yaml': null });
    const k = await settled('app', 'True', rev);
    expect(status(k).inventory?.entries.map((e) => e.id)).toEqual([`${ns}_cm1__ConfigMap`]);
    await until('cm2 deleted', async () => (await cm('cm2')) === undefined);
    expect(await cm('cm1')).toBeDefined();
  });

  it('holds a Kustomization until what it dependsOn is Ready', async () => {
    const rev = await push({ 'gate/cm.yaml': configMap('gate-cm'), 'later/cm.yaml': configMap('later-cm') });
    await create(kustomization('gate', { path: './gate', suspend: true }));
    await create(kustomization('later', { path: './later', dependsOn: [{ name: 'gate' }] }));
    const held = await until('later held', async () => {
      const k = await api.get({ ...KS, name: 'later', namespace: ns });
      return readyOf(k)?.reason === 'DependencyNotReady' ? k : undefined;
    });
    expect(readyOf(held)?.message).toBe(`dependency '${ns}/gate' is not ready`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await cm('later-cm')).toBeUndefined();

    await api.mergePatch({ ...KS, name: 'gate', namespace: ns }, { spec: { suspend: false } });
    await settled('gate', 'True', rev);
    await settled('later', 'True', rev);
    expect(await cm('later-cm')).toBeDefined();
  });

  it('stands in for a known chart (CRDs served, release marked) and refuses an unknown one', async () => {
    const helm = [
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: eks\n  namespace: ${ns}\nspec:\n  interval: 12h\n  url: https://aws.github.io/eks-charts\n`,
      release('aws-load-balancer-controller', 'aws-load-balancer-controller', '1.10.1'),
      release('mystery', 'mystery-chart', '0.1.0'),
    ].join('---\n');
    const rev = await push({ 'helm/releases.yaml': helm });
    await create(kustomization('helm', { path: './helm' }));
    await settled('helm', 'True', rev);
    const known = await until('release stood in', async () => {
      const hr = await api.get({ ...HR, name: 'aws-load-balancer-controller', namespace: ns });
      return readyOf(hr)?.status === 'True' ? hr : undefined;
    });
    expect(readyOf(known)?.reason).toBe('StoodIn');
    expect(readyOf(known)?.message).toMatch(
      /^sandbox: installed 2 CRDs of aws-load-balancer-controller 1\.10\.1/,
    );
    expect(known.metadata.annotations?.['sandbox.gitops.dev/stood-in']).toMatch(/workloads not installed/);
    api.forget();
    expect(await api.resource('elbv2.k8s.aws/v1beta1', 'TargetGroupBinding')).toMatchObject({
      namespaced: true,
    });
    const unknown = await until('unknown chart refused', async () => {
      const hr = await api.get({ ...HR, name: 'mystery', namespace: ns });
      return readyOf(hr)?.status === 'False' ? hr : undefined;
    });
    expect(readyOf(unknown)).toMatchObject({ reason: 'ChartUnknownToSandbox' });
    expect(readyOf(unknown)?.message).toContain('mystery-chart 0.1.0');
    const repo = await until('HelmRepository marked', async () => {
      const r = await api.get({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'HelmRepository',
        name: 'eks',
        namespace: ns,
      });
      return readyOf(r) ? r : undefined;
    });
    expect(readyOf(repo)?.reason).toBe('StoodIn');
    expect(repo?.metadata.annotations?.['sandbox.gitops.dev/stood-in']).toMatch(/not fetched/);
  });

  it('takes a chart from an OCIRepository pinned by tag (chartRef), and refuses one it cannot date', async () => {
    const oci = (name: string, url: string, ref: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  interval: 12h\n  url: ${url}\n  ref: ${ref}\n`;
    const byRef = (name: string, source: string, values = '') =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  interval: 30m\n  chartRef: { kind: OCIRepository, name: ${source} }\n${values}`;
    const rev = await push({
      'oci/releases.yaml': [
        oci('gateway-helm', 'oci://docker.io/envoyproxy/gateway-helm', '{ tag: v1.9.0 }'),
        oci('gateway-latest', 'oci://docker.io/envoyproxy/gateway-helm', "{ semver: '>=1.0.0' }"),
        // Its CRDs are in a subchart switched off here, so none is installed.
        byRef('gateway', 'gateway-helm', '  values:\n    crds:\n      enabled: false\n'),
        byRef('gateway-latest', 'gateway-latest'),
      ].join('---\n'),
    });
    await create(kustomization('oci', { path: './oci' }));
    await settled('oci', 'True', rev);
    const known = await until('chartRef release stood in', async () => {
      const hr = await api.get({ ...HR, name: 'gateway', namespace: ns });
      return readyOf(hr)?.status === 'True' ? hr : undefined;
    });
    expect(readyOf(known)?.message).toMatch(/^sandbox: chart gateway-helm v1\.9\.0: no CRDs to install/);
    expect(known.metadata.annotations?.['sandbox.gitops.dev/stood-in']).toMatch(/no Envoy proxy runs/);
    const undated = await until('semver ref refused', async () => {
      const hr = await api.get({ ...HR, name: 'gateway-latest', namespace: ns });
      return readyOf(hr)?.status === 'False' ? hr : undefined;
    });
    expect(readyOf(undated)).toMatchObject({ reason: 'SandboxNotImplemented' });
    expect(readyOf(undated)?.message).toMatch(/spec\.ref\.tag/);
  });

  it("composes valuesFrom as helm-controller does: a missing reference fails the release with its message unless optional; the chart's values are recorded", async () => {
    await create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'charts', namespace: ns },
      spec: { interval: '12h', url: 'https://kubernetes-sigs.github.io/metrics-server/' },
    });
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'given-values', namespace: ns },
      data: {
        'extra.yaml': b64('replicas: 5\nnested:\n  url: https://hooks.example.test/values-secret-path\n'),
      },
    });
    await create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'given-cm', namespace: ns },
      data: { port: '10250' },
    });
    const hr = (name: string, valuesFrom: Record<string, unknown>[]): Obj => ({
      ...HR,
      metadata: { name, namespace: ns },
      spec: {
        interval: '30m',
        chart: {
          spec: {
            chart: 'metrics-server',
            version: '3.12.2',
            sourceRef: { kind: 'HelmRepository', name: 'charts' },
          },
        },
        valuesFrom,
        values: { replicas: 2, args: ['--kubelet-insecure-tls'] },
      },
    });
    await create(hr('strict', [{ kind: 'Secret', name: 'absent-values' }]));
    await create(hr('nokey', [{ kind: 'Secret', name: 'given-values', valuesKey: 'nope.yaml' }]));
    await create(
      hr('lenient', [
        { kind: 'Secret', name: 'absent-values', optional: true },
        { kind: 'Secret', name: 'given-values', valuesKey: 'extra.yaml' },
        { kind: 'ConfigMap', name: 'given-cm', valuesKey: 'port', targetPath: 'containerPort' },
      ]),
    );
    const readyAs = (name: string, want: 'True' | 'False') =>
      until(`HelmRelease ${name} Ready=${want}`, async () => {
        const live = await api.get({ ...HR, name, namespace: ns });
        return readyOf(live)?.status === want ? readyOf(live) : undefined;
      });
    expect(await readyAs('strict', 'False')).toMatchObject({
      reason: 'ValuesError',
      message: `could not resolve Secret chart values reference '${ns}/absent-values' with key 'values.yaml': secrets "absent-values" not found`,
    });
    expect(await readyAs('nokey', 'False')).toMatchObject({
      reason: 'ValuesError',
      message: `could not resolve Secret chart values reference '${ns}/given-values' with key 'nope.yaml': key not found`,
    });
    expect((await readyAs('lenient', 'True'))?.reason).toBe('StoodIn');
    const recorded = async (name: string) => {
      const secret = await api.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: `sandbox-values-${name}`,
        namespace: ns,
      });
      const data = (secret?.['data'] as Record<string, string> | undefined)?.['values.json'];
      return data === undefined ? undefined : (JSON.parse(Buffer.from(data, 'base64').toString()) as unknown);
    };
    // valuesFrom in order, the inline values over them, and a targetPath over everything (typed as --set does).
    expect(await recorded('lenient')).toEqual({
      replicas: 2,
      args: ['--kubelet-insecure-tls'],
      nested: { url: 'https://hooks.example.test/values-secret-path' },
      containerPort: 10250,
    });
    // The missing Secret arrives: the release that needed it goes on, as at helm-controller's next try.
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'absent-values', namespace: ns },
      data: { 'values.yaml': b64('extra: true\n') },
    });
    await readyAs('strict', 'True');
    expect(await recorded('strict')).toEqual({ extra: true, replicas: 2, args: ['--kubelet-insecure-tls'] });
  });

  it('substitutes post-build variables from the spec and from a ConfigMap', async () => {
    await create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: ns },
      data: { team: 'platform' },
    });
    const rev = await push({
      'subst/cm.yaml': configMap('subst', {
        greeting: fluxVar('greeting'),
        team: fluxVar('team'),
        region: fluxVar('region:=us-east-1'),
        literal: `$${fluxVar('kept')}`,
      }),
    });
    await create(
      kustomization('subst', {
        path: './subst',
        postBuild: {
          substitute: { greeting: 'hello' },
          substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }],
        },
      }),
    );
    await settled('subst', 'True', rev);
    expect((await cm('subst'))?.['data']).toEqual({
      greeting: 'hello',
      team: 'platform',
      region: 'us-east-1',
      literal: fluxVar('kept'),
    });
  });

  it('checks PodDisruptionBudget policy/v1 and HPA autoscaling/v2 against their schemas, and fails an invalid one', async () => {
    const pdb = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: ${ns}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: { app: api }\n`;
    const hpa = (max: string) =>
      `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\n  namespace: ${ns}\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api }\n  minReplicas: 2\n  maxReplicas: ${max}\n`;
    const rev1 = await push({
      'eks/pdb.yaml': pdb,
      'eks/hpa.yaml': hpa('10'),
      'eks/cm.yaml': configMap('eks-cm'),
    });
    await create(kustomization('eks', { path: './eks' }));
    const ok = await settled('eks', 'True', rev1);
    expect(ok.metadata.annotations?.['sandbox.gitops.dev/validated-only']).toBe(
      `autoscaling/v2 HorizontalPodAutoscaler/${ns}/api, policy/v1 PodDisruptionBudget/${ns}/api`,
    );
    expect(await cm('eks-cm')).toBeDefined();

    const rev2 = await push({ 'eks/hpa.yaml': hpa('"ten"') });
    const bad = await settled('eks', 'False', rev2);
    expect(readyOf(bad)?.reason).toBe('ReconciliationFailed');
    expect(readyOf(bad)?.message).toMatch(
      new RegExp(
        `^HorizontalPodAutoscaler/${ns}/api dry-run failed \\(Invalid\\): sandbox: autoscaling/v2 schema: .*maxReplicas`,
      ),
    );
  });
});

/** A Flux post-build expression, `${expr}` (built here so no JS template is mistaken for it). */
function fluxVar(expr: string): string {
  return `$\{${expr}}`;
}

function release(name: string, chart: string, version: string): string {
  return `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: ${chart}\n      version: ${version}\n      sourceRef: { kind: HelmRepository, name: eks }\n`;
}
