/**
 * The stand-in for kustomize-controller: one Kustomization, reconciled as Flux does it.
 *   suspend            nothing happens (deletion is still finalized);
 *   sourceRef          a GitRepository's artifact (others are refused); missing: ArtifactFailed;
 *   dependsOn          waits until each named Kustomization is Ready at its generation and, on
 *                      the same source, has applied the current revision (DependencyNotReady);
 *   path, postBuild    built by ./kustomize.ts, substituted by ./substitute.ts (BuildFailed);
 *   targetNamespace, commonMetadata  applied on top of the build;
 *   apply              staged as Flux's ssa manager does: CRDs, Namespaces and ClusterRoles first
 *                      (then waited for), then *Class kinds, then the rest; each stage is
 *                      server-side dry-run object by object before anything in it is applied, and
 *                      one failure fails the stage, nothing of it applied (ReconciliationFailed,
 *                      the message naming the object, then the changes of earlier stages);
 *   unserved kinds     fail the dry-run with `no matches for kind ...`, except kinds a real EKS
 *                      serves and 1.20 does not, checked against their schema (./validated.ts)
 *                      and listed in the annotation sandbox.gitops.dev/validated-only;
 *   prune, inventory   Flux's inventory (`<ns>_<name>_<group>_<kind>`, `v`); stale objects this
 *                      Kustomization still owns are deleted unless marked prune: disabled;
 *   wait, healthChecks readiness after ./health.ts within spec.timeout (HealthCheckFailed);
 *   events             what kustomize-controller sends notification-controller (./notify.ts): an
 *                      error per failed attempt, an info event listing what an apply changed;
 *   interval           re-applied every interval (Flux's own), at once on a new revision,
 *                      generation or reconcile request; after a failure, retryInterval scaled
 *                      like the sandbox's clock.
 * Status as Flux writes it: Ready (and Healthy with checks), lastAttemptedRevision,
 * lastAppliedRevision, observedGeneration only when Ready, the inventory only after an apply.
 */
import { applyStaged, inventoryOf, NAME_LABEL, NAMESPACE_LABEL, pruneStale, refOfEntry } from './apply.js';
import { type Api, at, firstLine, isRecord, type Obj, refOf } from './api.js';
import { type Condition, condition, conditionsChanged, keepTransitionTimes, readyOf } from './conditions.js';
import { healthOf } from './health.js';
import { BuildError, kustomizeBuild } from './kustomize.js';
import { setNamespace } from './transform.js';
import { loadVariables, SubstituteError, substituteObject } from './substitute.js';
import type { NotificationStandIn } from './notify.js';

export const KUSTOMIZATION = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
export const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' };
export const VALIDATED_ONLY_ANNOTATION = 'sandbox.gitops.dev/validated-only';
export const FINALIZER = 'finalizers.fluxcd.io';
const SPEC_FIELDS = new Set([
  'sourceRef',
  'path',
  'interval',
  'retryInterval',
  'timeout',
  'prune',
  'wait',
  'healthChecks',
  'dependsOn',
  'suspend',
  'targetNamespace',
  'postBuild',
  'commonMetadata',
  'force',
]);

/** Per Kustomization, what the loop remembers between passes (Flux's work queue state). */
interface Memory {
  key: string;
  at: number;
  ok: boolean;
  health?: { since: number; changes: string };
}

export class KustomizeStandIn {
  private readonly memory = new Map<string, Memory>();

  constructor(
    private readonly api: Api,
    private readonly log: (line: string) => void,
    /**
     * Multiplies retry intervals and health-check timeouts (the sandbox's clock scale; at least
     * 2 s), so a failure the sandbox itself caused (a namespace still being finalized) does not
     * stall a test for 10 minutes. The interval after a success is Flux's own, unscaled: a live
     * edit stays visible until then, as on a real cluster.
     */
    private readonly scale = 1,
    /** notification-controller's part: the events kustomize-controller would send it. */
    private readonly notify?: NotificationStandIn,
  ) {}

  async reconcile(k: Obj): Promise<void> {
    const id = `${k.metadata.namespace}/${k.metadata.name}`;
    if (k.metadata.deletionTimestamp) return await this.finalize(k);
    if (!k.metadata.finalizers?.includes(FINALIZER)) {
      await this.api.mergePatch(refOf(k), {
        metadata: { finalizers: [...(k.metadata.finalizers ?? []), FINALIZER] },
      });
    }
    const spec = isRecord(k['spec']) ? k['spec'] : {};
    if (spec['suspend'] === true) return;
    const generation = k.metadata.generation ?? 1;

    const src = await this.source(k, spec);
    if (typeof src === 'string') return await this.fail(k, 'ArtifactFailed', src, generation);
    const { revision, dir } = src;
    const requested = k.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'] ?? '';
    const key = `${revision}|${generation}|${requested}`;
    const mem = this.memory.get(id);
    // A new revision, generation or request cancels a health check under way, as in Flux.
    if (mem?.health && mem.key === key) return await this.checkHealth(k, spec, revision, mem);
    const interval = String(spec['interval'] || '10m');
    const every =
      mem?.ok === false ? this.duration(String(spec['retryInterval'] || interval)) : parseDuration(interval);
    if (mem && mem.key === key && Date.now() - mem.at < every) return;
    this.memory.set(id, { key, at: Date.now(), ok: false });

    const blocked = await this.dependencies(k, spec, revision);
    if (blocked) return await this.fail(k, 'DependencyNotReady', blocked, generation);
    if (mem?.key !== key) {
      await this.status(k, { lastAttemptedRevision: revision }, [
        condition('Ready', 'Unknown', 'Progressing', 'Reconciliation in progress', generation),
        condition(
          'Reconciling',
          'True',
          'Progressing',
          `Building manifests for revision ${revision}`,
          generation,
        ),
      ]);
    }
    let objects: Obj[];
    try {
      objects = await this.build(k, spec, dir);
    } catch (e) {
      const reason =
        e instanceof BuildError && e.message.startsWith('kustomization path not found')
          ? 'ArtifactFailed'
          : 'BuildFailed';
      if (e instanceof BuildError || e instanceof SubstituteError)
        return await this.fail(k, reason, e.message, generation, revision);
      throw e;
    }
    const applied = await applyStaged(this.api, this.log, k, objects, at(k, 'spec', 'force') === true);
    if (typeof applied === 'string')
      return await this.fail(k, 'ReconciliationFailed', applied, generation, revision);
    const inventory = applied.entries;
    const pruned = spec['prune'] === true ? await pruneStale(this.api, k, inventory) : [];
    const validatedOnly = applied.validatedOnly;
    await this.api.mergePatch(refOf(k), {
      metadata: {
        annotations: {
          [VALIDATED_ONLY_ANNOTATION]: validatedOnly.length > 0 ? validatedOnly.join(', ') : null,
        },
      },
    });
    if (validatedOnly.length > 0)
      this.log(`${id}: validated only (not applied): ${validatedOnly.join(', ')}`);
    // kustomize-controller's event when an apply changed something: a new revision's changes, or
    // a live edit undone (drift corrected); the reason is the Ready condition's at that moment.
    if (applied.changes !== '') {
      const current = (await this.api.get(refOf(k))) ?? k;
      await this.notify?.emit(current, 'info', readyOf(current)?.reason ?? 'info', applied.changes, {
        revision,
        controller: 'kustomize-controller',
      });
    }
    this.log(
      `${id}: applied ${inventory.length} object(s) at ${revision}${applied.changes ? `: ${applied.changes.replaceAll('\n', ', ')}` : ''}${pruned.length ? `; pruned ${pruned.join(', ')}` : ''}`,
    );
    await this.status(k, { inventory: { entries: inventory }, lastAttemptedRevision: revision }, []);
    const memory: Memory = {
      key,
      at: Date.now(),
      ok: false,
      health: { since: Date.now(), changes: applied.changes },
    };
    this.memory.set(id, memory);
    await this.checkHealth(k, spec, revision, memory);
  }

  private async source(
    k: Obj,
    spec: Record<string, unknown>,
  ): Promise<{ revision: string; dir: string } | string> {
    const kind = String(at(spec, 'sourceRef', 'kind') ?? '');
    const name = String(at(spec, 'sourceRef', 'name') ?? '');
    const namespace = String(at(spec, 'sourceRef', 'namespace') ?? k.metadata.namespace);
    if (kind !== 'GitRepository') return `sandbox: sourceRef kind ${kind} is not implemented by the stand-in`;
    const repo = await this.api.get({ ...GIT_REPOSITORY, name, namespace });
    if (!repo) return `gitrepositories.source.toolkit.fluxcd.io "${name}" not found`;
    const url = at(repo, 'status', 'artifact', 'url');
    const revision = at(repo, 'status', 'artifact', 'revision');
    if (typeof url !== 'string' || typeof revision !== 'string')
      return 'Source artifact not found, retrying in 30s';
    return { revision, dir: url.replace(/^file:\/\//, '') };
  }

  private async dependencies(
    k: Obj,
    spec: Record<string, unknown>,
    revision: string,
  ): Promise<string | undefined> {
    for (const dep of Array.isArray(spec['dependsOn']) ? spec['dependsOn'] : []) {
      const namespace = String(at(dep, 'namespace') ?? k.metadata.namespace);
      const name = String(at(dep, 'name'));
      const d = await this.api.get({ ...KUSTOMIZATION, name, namespace });
      const depName = `${namespace}/${name}`;
      if (!d)
        return `dependency '${depName}' not found: kustomizations.kustomize.toolkit.fluxcd.io "${name}" not found`;
      if (at(d, 'status', 'observedGeneration') !== d.metadata.generation || readyOf(d)?.status !== 'True') {
        return `dependency '${depName}' is not ready`;
      }
      const same = (o: Obj) =>
        `${at(o, 'spec', 'sourceRef', 'kind')}/${at(o, 'spec', 'sourceRef', 'namespace') ?? o.metadata.namespace}/${at(o, 'spec', 'sourceRef', 'name')}`;
      if (same(d) === same(k) && at(d, 'status', 'lastAppliedRevision') !== revision) {
        return `dependency '${depName}' revision is not up to date`;
      }
    }
    return undefined;
  }

  private async build(k: Obj, spec: Record<string, unknown>, dir: string): Promise<Obj[]> {
    const unknown = Object.keys(spec).filter((f) => !SPEC_FIELDS.has(f));
    if (unknown.length > 0)
      throw new BuildError(`spec.${unknown.join(', spec.')}: not implemented by the sandbox's stand-in`);
    if (spec['wait'] !== true && spec['healthChecks'] !== undefined && !Array.isArray(spec['healthChecks'])) {
      throw new BuildError('spec.healthChecks must be a list');
    }
    const scoped = async (apiVersion: string, kind: string) =>
      (await this.api.resource(apiVersion, kind))?.namespaced === false;
    let objects = await kustomizeBuild(dir, String(spec['path'] ?? './'), scoped);
    const target = spec['targetNamespace'];
    if (typeof target === 'string') {
      for (const o of objects) setNamespace(o, target, await scoped(o.apiVersion, o.kind));
    }
    const vars = await loadVariables(this.api, k);
    if (vars) objects = objects.map((o) => substituteObject(o, vars));
    const common = isRecord(spec['commonMetadata']) ? spec['commonMetadata'] : {};
    for (const o of objects) {
      o.metadata.labels = {
        ...(o.metadata.labels ?? {}),
        ...strings(common['labels']),
        [NAME_LABEL]: k.metadata.name ?? '',
        [NAMESPACE_LABEL]: k.metadata.namespace ?? '',
      };
      const annotations = strings(common['annotations']);
      if (Object.keys(annotations).length > 0)
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...annotations };
    }
    return objects;
  }

  private async checkHealth(
    k: Obj,
    spec: Record<string, unknown>,
    revision: string,
    mem: Memory,
  ): Promise<void> {
    const generation = k.metadata.generation ?? 1;
    // The inventory just written by this pass, not the one `k` was read with (on a first apply
    // that one is empty, and everything would pass unchecked).
    const current = (await this.api.get(refOf(k))) ?? k;
    const refs =
      spec['wait'] === true
        ? inventoryOf(current).map(refOfEntry)
        : (Array.isArray(spec['healthChecks']) ? spec['healthChecks'] : []).map((h) => ({
            apiVersion: String(at(h, 'apiVersion')),
            kind: String(at(h, 'kind')),
            name: String(at(h, 'name')),
            ...(at(h, 'namespace') ? { namespace: String(at(h, 'namespace')) } : {}),
          }));
    const waiting: string[] = [];
    for (const ref of refs) {
      if (
        ref.kind === 'Kustomization' &&
        ref.name === k.metadata.name &&
        ref.namespace === k.metadata.namespace
      )
        continue;
      const live = await this.api.get(ref).catch(() => undefined);
      const h = live ? healthOf(live) : 'NotFound';
      if (h !== 'Current')
        waiting.push(`${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} status: '${h}'`);
    }
    const checks = refs.length > 0;
    const since = mem.health?.since ?? Date.now();
    if (waiting.length > 0) {
      const timeout = this.duration(String(spec['timeout'] ?? spec['interval'] ?? '10m'));
      if (Date.now() - since < timeout) {
        const message = `Running health checks for revision ${revision} with a timeout of ${String(spec['timeout'] ?? spec['interval'])}`;
        return await this.status(k, {}, [
          condition('Ready', 'Unknown', 'Progressing', message, generation),
          condition('Healthy', 'Unknown', 'Progressing', message, generation),
          condition('Reconciling', 'True', 'Progressing', message, generation),
        ]);
      }
      this.memory.set(`${k.metadata.namespace}/${k.metadata.name}`, {
        key: mem.key,
        at: Date.now(),
        ok: false,
      });
      const message = `timeout waiting for: [${waiting.join(', ')}]`;
      await this.status(k, {}, [
        condition('Ready', 'False', 'HealthCheckFailed', message, generation),
        condition('Healthy', 'False', 'HealthCheckFailed', message, generation),
      ]);
      await this.notify?.emit(k, 'error', 'HealthCheckFailed', message, {
        revision,
        controller: 'kustomize-controller',
      });
      return this.log(`${k.metadata.namespace}/${k.metadata.name}: health check failed: ${message}`);
    }
    this.memory.set(`${k.metadata.namespace}/${k.metadata.name}`, { key: mem.key, at: Date.now(), ok: true });
    const conditions = [
      condition('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`, generation),
    ];
    if (checks)
      conditions.push(
        condition(
          'Healthy',
          'True',
          'Succeeded',
          `Health check passed in ${((Date.now() - since) / 1000).toFixed(1)}s`,
          generation,
        ),
      );
    await this.status(
      k,
      { observedGeneration: generation, lastAppliedRevision: revision, lastAttemptedRevision: revision },
      conditions,
    );
  }

  private async fail(
    k: Obj,
    reason: string,
    message: string,
    generation: number,
    revision?: string,
  ): Promise<void> {
    const id = `${k.metadata.namespace}/${k.metadata.name}`;
    // Every failed attempt is an event, as in Flux (the notifier's rate limit drops repeats);
    // waiting for a dependency is only info.
    await this.notify?.emit(k, reason === 'DependencyNotReady' ? 'info' : 'error', reason, message, {
      ...(revision ? { revision } : {}),
      controller: 'kustomize-controller',
    });
    const ready = condition('Ready', 'False', reason, message, generation);
    const changed = conditionsChanged(k, [
      ready,
      condition('Reconciling', 'True', 'ProgressingWithRetry', message, generation),
    ]);
    if (changed) this.log(`${id}: Ready=False ${reason}: ${firstLine(message)}`);
    const m = this.memory.get(id);
    this.memory.set(id, { key: m?.key ?? '', at: Date.now(), ok: false });
    if (!changed && (revision === undefined || at(k, 'status', 'lastAttemptedRevision') === revision)) return;
    await this.status(k, revision ? { lastAttemptedRevision: revision } : {}, [
      ready,
      condition('Reconciling', 'True', 'ProgressingWithRetry', message, generation),
    ]);
  }

  private async status(k: Obj, fields: Record<string, unknown>, conditions: Condition[]): Promise<void> {
    const live = (await this.api.get(refOf(k))) ?? k;
    await this.api.patchStatus(refOf(k), {
      ...fields,
      ...(conditions.length > 0 ? { conditions: keepTransitionTimes(live, conditions) } : {}),
    });
  }

  /** Deletion: prune what the inventory lists (prune on, not suspended), then let it go. */
  private async finalize(k: Obj): Promise<void> {
    if (!k.metadata.finalizers?.includes(FINALIZER)) return;
    if (at(k, 'spec', 'prune') === true && at(k, 'spec', 'suspend') !== true)
      await pruneStale(this.api, k, []);
    await this.api.mergePatch(refOf(k), {
      metadata: { finalizers: k.metadata.finalizers.filter((f) => f !== FINALIZER) },
    });
    this.memory.delete(`${k.metadata.namespace}/${k.metadata.name}`);
    this.log(
      `${k.metadata.namespace}/${k.metadata.name}: deleted${at(k, 'spec', 'prune') === true ? ', its objects pruned' : ''}`,
    );
  }

  private duration(text: string): number {
    return Math.max(2000, parseDuration(text) * this.scale);
  }
}

function strings(v: unknown): Record<string, string> {
  return isRecord(v) ? Object.fromEntries(Object.entries(v).map(([a, b]) => [a, String(b)])) : {};
}

/** Go durations as Flux writes them: 1h2m3s, 10m0s, 500ms. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(n) * (units[u!] ?? 0);
  return total;
}
