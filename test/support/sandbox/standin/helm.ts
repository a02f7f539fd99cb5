/**
 * The stand-in for helm-controller and for source-controller's Helm sources. Nothing here can
 * download a chart, so a HelmRelease is never really installed: the stand-in installs the CRDs the
 * chart is known to provide (charts.ts), never its workloads, and marks the release so anyone can
 * see that: Ready=True with reason `StoodIn` and a one-line message, plus the annotation
 * `sandbox.gitops.dev/stood-in: <what was done>`. A chart it knows nothing about is Ready=False,
 * reason `ChartUnknownToSandbox`. HelmRepository and OCIRepository are never fetched; they are
 * marked the same way (reason `StoodIn`, annotation), never silently Ready.
 *
 * Honoured like helm-controller: suspend, dependsOn (other HelmReleases Ready at their current
 * generation), the chart's source object existing (a HelmRepository's chart, or a chartRef to an
 * OCIRepository pinned by tag: chart-ref.ts), the target namespace existing (unless
 * install.createNamespace), install.crds Skip, valuesFrom (values.ts: composed as the controller
 * does, a missing non-optional reference fails the release with its message; the composed values
 * are recorded in a Secret for tests, never logged). Not done: the chart's templates are not
 * rendered, nothing is upgraded, rolled back or uninstalled (CRDs stay, as Helm leaves them), no
 * HelmChart objects.
 */
import { type Api, ApiError, at, isRecord, now, type Obj, refOf } from './api.js';
import { chartOf } from './chart-ref.js';
import { chartFacts, crdObject, crdsToInstall, hasRealCrd } from './charts.js';
import { type Condition, condition, conditionsChanged, readyOf } from './conditions.js';
import { composeValues, recordValues, type Values, ValuesError, valuesRecordName } from './values.js';

export const STOOD_IN_ANNOTATION = 'sandbox.gitops.dev/stood-in';
export const STOOD_IN_REASON = 'StoodIn';
export const CHART_UNKNOWN_REASON = 'ChartUnknownToSandbox';
export const HELM_RELEASE = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease' };
export const HELM_SOURCES = [
  { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository' },
  { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository' },
];

type Log = (line: string) => void;

export async function reconcileHelmSources(api: Api, log: Log): Promise<void> {
  for (const type of HELM_SOURCES) {
    for (const src of await api.list(type.apiVersion, type.kind)) {
      if (at(src, 'spec', 'suspend') === true || src.metadata.deletionTimestamp) continue;
      const url = String(at(src, 'spec', 'url') ?? '');
      await mark(
        api,
        src,
        'True',
        STOOD_IN_REASON,
        `sandbox: ${url} not fetched (offline); charts come from the stand-in's table`,
        'not fetched (offline); no artifact',
        log,
      );
    }
  }
}

export async function reconcileHelmReleases(api: Api, log: Log): Promise<void> {
  // Dependencies first, so a chain of releases settles in one pass, as fast as the controller
  // would react to each dependency becoming Ready.
  for (const hr of inDependencyOrder(await api.list(HELM_RELEASE.apiVersion, HELM_RELEASE.kind))) {
    if (at(hr, 'spec', 'suspend') === true || hr.metadata.deletionTimestamp) continue;
    try {
      await reconcileRelease(api, hr, log);
    } catch (e) {
      log(`HelmRelease ${hr.metadata.namespace}/${hr.metadata.name}: ${(e as Error).message}`);
    }
  }
}

async function reconcileRelease(api: Api, hr: Obj, log: Log): Promise<void> {
  const namespace = hr.metadata.namespace ?? 'default';
  const spec = isRecord(hr['spec']) ? hr['spec'] : {};
  for (const dep of Array.isArray(spec['dependsOn']) ? spec['dependsOn'] : []) {
    const depNs = String(at(dep, 'namespace') ?? namespace);
    const depName = String(at(dep, 'name'));
    const live = await api.get({ ...HELM_RELEASE, name: depName, namespace: depNs });
    const ready =
      live &&
      readyOf(live)?.status === 'True' &&
      at(live, 'status', 'observedGeneration') === live.metadata.generation;
    if (!ready) {
      await mark(
        api,
        hr,
        'False',
        'DependencyNotReady',
        `dependency '${depNs}/${depName}' is not ready`,
        undefined,
        log,
      );
      return;
    }
  }
  const named = await chartOf(api, spec, namespace);
  if ('reason' in named) {
    await mark(api, hr, 'False', named.reason, named.message, undefined, log);
    return;
  }
  const { chart, version } = named;
  let values: Values;
  try {
    values = await composeValues(api, hr);
  } catch (e) {
    if (!(e instanceof ValuesError)) throw e;
    await mark(api, hr, 'False', 'ValuesError', e.message, undefined, log);
    return;
  }
  const facts = chartFacts(chart, version);
  if (!facts) {
    await mark(
      api,
      hr,
      'False',
      CHART_UNKNOWN_REASON,
      `sandbox: chart ${chart} ${version} is not in the stand-in's table of known charts; nothing installed`,
      undefined,
      log,
    );
    return;
  }
  const target = String(spec['targetNamespace'] ?? namespace);
  if (
    at(spec, 'install', 'createNamespace') !== true &&
    !(await api.get({ apiVersion: 'v1', kind: 'Namespace', name: target }))
  ) {
    await mark(
      api,
      hr,
      'False',
      'InstallFailed',
      `sandbox: namespace "${target}" not found, so Helm could not install ${chart} into it`,
      undefined,
      log,
    );
    return;
  }
  const crds = crdsToInstall(facts, values, String(at(spec, 'install', 'crds') ?? 'Create'));
  const refs = crds.map((fact) => ({ fact, crd: crdObject(facts, fact) }));
  for (const { crd } of refs) {
    const name = crd.metadata.name ?? '';
    if (await api.get({ apiVersion: crd.apiVersion, kind: crd.kind, name })) continue;
    // A plain create: 1.20's server-side apply mangles some CRD defaults (see charts.ts).
    await api
      .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      });
    log(`HelmRelease ${namespace}/${hr.metadata.name}: installed CRD ${name}`);
  }
  // Helm waits for the CRDs it installs to be established before going on; so does this (all
  // of a release's at once).
  let pending = refs.map(({ crd }) => crd.metadata.name ?? '');
  for (let i = 0; i < 50 && pending.length > 0; i++) {
    const live = await Promise.all(
      pending.map((name) =>
        api.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }),
      ),
    );
    pending = pending.filter((_, j) => !isEstablished(live[j]));
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 100));
  }
  for (const { fact } of refs) api.forget(`${fact.group}/${fact.versions[0]}`);
  if (pending.length > 0) {
    await mark(
      api,
      hr,
      'Unknown',
      'Progressing',
      `sandbox: waiting for CRDs to be established: ${pending.join(', ')}`,
      undefined,
      log,
    );
    return;
  }
  if (await recordValues(api, hr, values))
    log(
      `HelmRelease ${namespace}/${hr.metadata.name}: values recorded in Secret ${valuesRecordName(hr.metadata.name ?? '')}`,
    );
  const real = crds.filter((fact) => hasRealCrd(facts, fact)).length;
  const schemas =
    real === 0
      ? 'permissive schemas'
      : real === crds.length
        ? "the chart's own schemas"
        : `${real} with the chart's own schemas, the rest permissive`;
  const unshown = facts.unshown ? `: ${facts.unshown}` : '';
  const done =
    crds.length === 0
      ? `chart ${chart} ${version}: no CRDs to install; workloads not installed (offline)${unshown}`
      : `installed ${crds.length} CRDs of ${chart} ${version} (${schemas}); workloads not installed (offline)${unshown}`;
  await mark(api, hr, 'True', STOOD_IN_REASON, `sandbox: ${done}`, done, log, version);
}

/** Writes the Ready condition (and the annotation when given), only when something changed. */
async function mark(
  api: Api,
  obj: Obj,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  annotation: string | undefined,
  log: Log,
  revision?: string,
): Promise<void> {
  const generation = obj.metadata.generation ?? 1;
  const ready = condition('Ready', status, reason, message, generation);
  const current = isRecord(obj['status']) ? obj['status'] : {};
  const annotated =
    annotation === undefined || obj.metadata.annotations?.[STOOD_IN_ANNOTATION] === annotation;
  const observed = status !== 'True' || current['observedGeneration'] === generation;
  if (annotated && observed && !conditionsChanged(obj, conditionsFor(ready, message, generation))) return;
  if (annotation !== undefined && !annotated) {
    await api.mergePatch(refOf(obj), { metadata: { annotations: { [STOOD_IN_ANNOTATION]: annotation } } });
  }
  await api.patchStatus(refOf(obj), {
    // Flux keeps the last observed generation until a reconciliation succeeds.
    ...(status === 'True' ? { observedGeneration: generation } : {}),
    ...(revision !== undefined ? { lastAttemptedRevision: revision } : {}),
    conditions: [
      ready,
      ...(status === 'Unknown' ? [condition('Reconciling', 'True', 'Progressing', message, generation)] : []),
    ],
  });
  log(
    `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: Ready=${status} ${reason}: ${message} (${now()})`,
  );
}

function conditionsFor(ready: Condition, message: string, generation: number): Condition[] {
  return ready.status === 'Unknown'
    ? [ready, condition('Reconciling', 'True', 'Progressing', message, generation)]
    : [ready];
}

function isEstablished(crd: Obj | undefined): boolean {
  const list = at(crd, 'status', 'conditions');
  return (
    Array.isArray(list) && list.some((c) => at(c, 'type') === 'Established' && at(c, 'status') === 'True')
  );
}

/** Releases ordered so each comes after those it dependsOn (cycles keep their listed order). */
function inDependencyOrder(releases: Obj[]): Obj[] {
  const key = (ns: unknown, name: unknown) => `${String(ns)}/${String(name)}`;
  const byKey = new Map(releases.map((r) => [key(r.metadata.namespace, r.metadata.name), r]));
  const out: Obj[] = [];
  const seen = new Set<string>();
  const visit = (r: Obj) => {
    const k = key(r.metadata.namespace, r.metadata.name);
    if (seen.has(k)) return;
    seen.add(k);
    const deps = at(r, 'spec', 'dependsOn');
    for (const d of Array.isArray(deps) ? deps : []) {
      const dep = byKey.get(key(at(d, 'namespace') ?? r.metadata.namespace, at(d, 'name')));
      if (dep) visit(dep);
    }
    out.push(r);
  };
  for (const r of releases) visit(r);
  return out;
}
