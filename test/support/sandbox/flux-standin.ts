/**
 * A stand-in for Flux's controllers in the sandbox. Nothing can run Flux's images here (no
 * container runtime), so this plays their part against the real kube-apiserver:
 *   - source-controller: fetches each GitRepository with real git, records the revision;
 *   - kustomize-controller: builds each Kustomization's path, server-side applies it, prunes
 *     what left Git, and writes Ready / lastAppliedRevision / inventory as Flux does;
 *   - kubelet + deployment controller: marks Deployments available.
 * Objects of APIs the apiserver does not serve are skipped and reported (log + annotation on
 * the Kustomization), never dropped silently.
 */
import { buildKustomization } from '../../../src/integrations/kustomize/build.js';
import type { KubeClient } from '../../../src/integrations/kube/client.js';
import { describeRef, isRecord, type KubeObject, refOf } from '../../../src/integrations/kube/object.js';
import { GitMirror } from './git-mirror.js';

const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' };
const KUSTOMIZATION = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
export const SKIPPED_ANNOTATION = 'sandbox.gitops.dev/skipped';
/** Tests set this on a GitRepository to hold the stand-in's source fetches (a slow controller). */
export const PAUSED_ANNOTATION = 'sandbox.gitops.dev/paused';
const MANAGER = 'kustomize-controller';

export interface StandInOptions {
  client: KubeClient;
  workDir: string;
  log?: (line: string) => void;
}

export class FluxStandIn {
  private readonly git: GitMirror;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: StandInOptions) {
    this.git = new GitMirror(options.workDir);
    this.log = options.log ?? (() => {});
  }

  start(intervalMs = 500): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.reconcileOnce().catch((e: unknown) =>
        this.log(`reconcile failed: ${(e as Error).message}`),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async reconcileOnce(): Promise<void> {
    const { client } = this.options;
    const served = await client.discovery.find(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind);
    if (served) {
      for (const repo of await client.list(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind))
        await this.reconcileSource(repo);
      for (const k of await client.list(KUSTOMIZATION.apiVersion, KUSTOMIZATION.kind))
        await this.reconcileKustomization(k);
    } else {
      await client.discovery.find(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind, true);
    }
    await this.markDeploymentsAvailable();
    await this.finalizeDeletedNamespaces();
  }

  /**
   * The namespace controller's part (no kube-controller-manager runs here). A Namespace pruned
   * when the sync Kustomization moved to another cluster's folder would otherwise stay
   * Terminating for ever, and the next bootstrap whose profile uses it could apply nothing into
   * it (its flux:ready then waits to the timeout). Its contents were pruned with it; what is left
   * is the `kubernetes` finalizer.
   */
  private async finalizeDeletedNamespaces(): Promise<void> {
    const { client } = this.options;
    for (const ns of await client.list('v1', 'Namespace')) {
      if (ns.metadata.deletionTimestamp === undefined) continue;
      await client.http
        .request({
          method: 'PUT',
          path: `/api/v1/namespaces/${encodeURIComponent(ns.metadata.name ?? '')}/finalize`,
          body: { ...ns, spec: { finalizers: [] } },
        })
        .catch((e: unknown) =>
          this.log(`cannot finalize namespace ${ns.metadata.name}: ${(e as Error).message}`),
        );
    }
  }

  private async reconcileSource(repo: KubeObject): Promise<void> {
    const spec = isRecord(repo['spec']) ? repo['spec'] : {};
    const url = String(spec['url'] ?? '');
    const ref = isRecord(spec['ref']) ? spec['ref'] : {};
    const branch = String(ref['branch'] ?? 'main');
    const generation = repo.metadata.generation ?? 1;
    if (repo.metadata.annotations?.[PAUSED_ANNOTATION] === 'true') return;
    try {
      const co = await this.git.checkout(url, branch);
      const status = isRecord(repo['status']) ? repo['status'] : {};
      const current = isRecord(status['artifact']) ? status['artifact']['revision'] : undefined;
      if (current === co.revision && status['observedGeneration'] === generation) return;
      await this.options.client.patchStatus(refOf(repo), {
        observedGeneration: generation,
        artifact: {
          revision: co.revision,
          path: `gitrepository/${repo.metadata.namespace}/${repo.metadata.name}/${co.sha}.tar.gz`,
          url: `file://${co.dir}`,
          lastUpdateTime: now(),
        },
        conditions: [
          condition(
            'Ready',
            'True',
            'Succeeded',
            `stored artifact for revision '${co.revision}'`,
            generation,
          ),
          condition(
            'ArtifactInStorage',
            'True',
            'Succeeded',
            `stored artifact for revision '${co.revision}'`,
            generation,
          ),
        ],
      });
      this.log(`${describeRef(refOf(repo))}: revision ${co.revision}`);
    } catch (e) {
      await this.options.client.patchStatus(refOf(repo), {
        observedGeneration: generation,
        conditions: [
          condition('Ready', 'False', 'GitOperationFailed', firstLine((e as Error).message), generation),
        ],
      });
    }
  }

  private async reconcileKustomization(k: KubeObject): Promise<void> {
    const { client } = this.options;
    const spec = isRecord(k['spec']) ? k['spec'] : {};
    const status = isRecord(k['status']) ? k['status'] : {};
    const generation = k.metadata.generation ?? 1;
    if (spec['suspend'] === true) return;
    const sourceRef = isRecord(spec['sourceRef']) ? spec['sourceRef'] : {};
    const source = await client.get({
      ...GIT_REPOSITORY,
      name: String(sourceRef['name']),
      namespace: String(sourceRef['namespace'] ?? k.metadata.namespace),
    });
    const artifact =
      source && isRecord(source['status']) && isRecord(source['status']['artifact'])
        ? source['status']['artifact']
        : undefined;
    if (!artifact) return;
    const revision = String(artifact['revision']);
    const dir = String(artifact['url']).replace(/^file:\/\//, '');
    if (status['lastAppliedRevision'] === revision && status['observedGeneration'] === generation) return;

    const name = k.metadata.name ?? '';
    const namespace = k.metadata.namespace ?? 'flux-system';
    try {
      const built = await buildKustomization(dir, String(spec['path'] ?? './'));
      const applied: KubeObject[] = [];
      const skipped: string[] = [];
      for (const obj of built.objects) {
        const info =
          (await client.discovery.find(obj.apiVersion, obj.kind)) ??
          (await client.discovery.find(obj.apiVersion, obj.kind, true));
        if (!info) {
          skipped.push(`${obj.kind}/${obj.metadata.name} (${obj.apiVersion} not served)`);
          continue;
        }
        const labelled: KubeObject = {
          ...obj,
          metadata: {
            ...obj.metadata,
            ...(info.namespaced
              ? { namespace: obj.metadata.namespace ?? String(spec['targetNamespace'] ?? 'default') }
              : {}),
            labels: {
              ...(obj.metadata.labels ?? {}),
              'kustomize.toolkit.fluxcd.io/name': name,
              'kustomize.toolkit.fluxcd.io/namespace': namespace,
            },
          },
        };
        await client.applyRaw(info, labelled, { fieldManager: MANAGER, force: true });
        applied.push(labelled);
      }
      const entries = applied.map((o) => ({
        id: inventoryId(o),
        v: o.apiVersion.split('/').pop() ?? o.apiVersion,
      }));
      if (spec['prune'] === true) await this.prune(status, new Set(entries.map((e) => e.id)));
      if (skipped.length > 0)
        this.log(`${namespace}/${name}: skipped ${skipped.length} object(s): ${skipped.join(', ')}`);
      await client.applyRaw(
        await client.discovery.resolve(KUSTOMIZATION.apiVersion, KUSTOMIZATION.kind),
        {
          apiVersion: KUSTOMIZATION.apiVersion,
          kind: KUSTOMIZATION.kind,
          metadata: { name, namespace, annotations: { [SKIPPED_ANNOTATION]: skipped.join('; ') } },
        },
        { fieldManager: 'sandbox-standin', force: true },
      );
      await client.patchStatus(refOf(k), {
        observedGeneration: generation,
        lastAttemptedRevision: revision,
        lastAppliedRevision: revision,
        inventory: { entries },
        conditions: [
          condition('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`, generation),
        ],
      });
      this.log(`${namespace}/${name}: applied ${applied.length} object(s) at ${revision}`);
    } catch (e) {
      await client.patchStatus(refOf(k), {
        observedGeneration: generation,
        lastAttemptedRevision: revision,
        conditions: [
          condition('Ready', 'False', 'ReconciliationFailed', firstLine((e as Error).message), generation),
        ],
      });
      this.log(`${namespace}/${name}: failed at ${revision}: ${firstLine((e as Error).message)}`);
    }
  }

  /** Deletes what the previous inventory had and the new one lacks (Flux's prune). */
  private async prune(status: Record<string, unknown>, keep: Set<string>): Promise<void> {
    const inventory =
      isRecord(status['inventory']) && Array.isArray(status['inventory']['entries'])
        ? status['inventory']['entries']
        : [];
    for (const entry of inventory) {
      if (!isRecord(entry) || typeof entry['id'] !== 'string' || keep.has(entry['id'])) continue;
      const [ns, name, group, kind] = entry['id'].split('_');
      const apiVersion = group ? `${group}/${String(entry['v'])}` : String(entry['v']);
      await this.options.client
        .delete({ apiVersion, kind: kind!, name: name!, ...(ns ? { namespace: ns } : {}) })
        .catch(() => false);
    }
  }

  private async markDeploymentsAvailable(): Promise<void> {
    const { client } = this.options;
    for (const d of await client.list('apps/v1', 'Deployment')) {
      const spec = isRecord(d['spec']) ? d['spec'] : {};
      const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      const status = isRecord(d['status']) ? d['status'] : {};
      const generation = d.metadata.generation ?? 1;
      if (
        status['observedGeneration'] === generation &&
        status['availableReplicas'] === replicas &&
        status['updatedReplicas'] === replicas
      )
        continue;
      await client
        .patchStatus(refOf(d), {
          observedGeneration: generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              message: 'sandbox: marked available',
              lastUpdateTime: now(),
              lastTransitionTime: now(),
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: 'sandbox: rolled out',
              lastUpdateTime: now(),
              lastTransitionTime: now(),
            },
          ],
        })
        .catch(() => undefined);
    }
  }
}

/** Flux's inventory id: <namespace>_<name>_<group>_<kind>. */
function inventoryId(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${o.metadata.namespace ?? ''}_${o.metadata.name}_${group}_${o.kind}`;
}

function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  observedGeneration: number,
) {
  return { type, status, reason, message, observedGeneration, lastTransitionTime: now() };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
