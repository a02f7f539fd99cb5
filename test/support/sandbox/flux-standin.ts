/**
 * A stand-in for Flux's controllers in the sandbox. Nothing can run Flux's images here (no
 * container runtime), so this plays their part against the real kube-apiserver 1.20, as strictly
 * as they would, and marks what it cannot really do. It imports nothing from the product (src/):
 * its API client, kustomize build and substitution are its own (./standin/).
 *
 * What it does:
 *   - source-controller: fetches each GitRepository's branch with real git (standin/source.ts);
 *     HelmRepository / OCIRepository are never fetched, only marked (standin/helm.ts);
 *   - kustomize-controller (standin/kustomization.ts): dependsOn, suspend, path, postBuild,
 *     targetNamespace, staged server-side dry-run then apply (one object of a kind the apiserver
 *     does not serve fails the whole stage: nothing of it is applied), prune with Flux's
 *     inventory, wait / healthChecks, interval, finalizer; Ready, lastAttemptedRevision,
 *     lastAppliedRevision and observedGeneration as Flux writes them;
 *   - helm-controller (standin/helm.ts): installs the CRDs a known chart provides, never its
 *     workloads, and marks the release `StoodIn` (annotation sandbox.gitops.dev/stood-in); an
 *     unknown chart is Ready=False `ChartUnknownToSandbox`;
 *   - kinds EKS serves and 1.20 does not (policy/v1, autoscaling/v2, ...) are checked against
 *     their JSON schema instead of applied, and listed in sandbox.gitops.dev/validated-only;
 *   - notification-controller (standin/notify.ts): the Kustomizations' failure and change events,
 *     matched against Alerts and posted to generic / generic-hmac Providers' addresses; other
 *     provider types are marked sandbox.gitops.dev/not-delivered (nothing can reach them here);
 *   - image-reflector and image-automation (standin/image-reflector.ts, standin/image-automation.ts):
 *     ECR tags listed from the AWS emulator when the reflector's Pod Identity would allow it, the
 *     newest by each ImagePolicy, committed to the fleet where setter comments mark it;
 *   - Kubernetes' own controllers the sandbox lacks: Deployments are marked available and deleted
 *     Namespaces are finalized.
 * What it does not do: run any workload, render or install a chart's templates, verify
 * signatures, decrypt SOPS, impersonate service accounts, events of helm-controller and
 * source-controller.
 */
import { GitMirror } from './git-mirror.js';
import { Api, at, type Obj, refOf } from './standin/api.js';
import { reconcileHelmReleases, reconcileHelmSources } from './standin/helm.js';
import { GIT_REPOSITORY, KUSTOMIZATION, KustomizeStandIn } from './standin/kustomization.js';
import { reconcileGitRepository } from './standin/source.js';
import { NotificationStandIn } from './standin/notify.js';
import { reconcileImageUpdates } from './standin/image-automation.js';
import { type AwsAccess, ImageReflectorStandIn } from './standin/image-reflector.js';

export { STOOD_IN_ANNOTATION, STOOD_IN_REASON, CHART_UNKNOWN_REASON } from './standin/helm.js';
export { VALIDATED_ONLY_ANNOTATION } from './standin/kustomization.js';
export { PAUSED_ANNOTATION } from './standin/source.js';
export { NOT_DELIVERED_ANNOTATION } from './standin/notify.js';

export interface StandInOptions {
  /** An admin kubeconfig for the apiserver. */
  kubeconfig: string;
  workDir: string;
  log?: (line: string) => void;
  /** Multiplies Flux's intervals and timeouts, like the sandbox's clock (default 1). */
  timeScale?: number;
  /** The AWS emulator the image reflector lists ECR tags from. */
  aws?: AwsAccess;
}

export class FluxStandIn {
  private readonly git: GitMirror;
  private readonly log: (line: string) => void;
  private api: Promise<Api> | undefined;
  private kustomize: KustomizeStandIn | undefined;
  private notify: NotificationStandIn | undefined;
  private images: ImageReflectorStandIn | undefined;
  private readonly timers: (NodeJS.Timeout | undefined)[] = [undefined, undefined];
  private readonly running: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly options: StandInOptions) {
    this.git = new GitMirror(options.workDir);
    this.log = options.log ?? (() => {});
  }

  /**
   * Two loops, as in a cluster: Flux's controllers, and Kubernetes' own (Deployments available,
   * Namespaces finalized), so a slow Flux pass (a chart's CRDs being established) never holds up
   * what the kubelet and the controller manager would do meanwhile.
   */
  start(intervalMs = 500): void {
    const loop = (pass: () => Promise<void>, slot: number) => {
      const run = async () => {
        if (this.stopped) return;
        this.running[slot] = pass().catch((e: unknown) =>
          this.log(`reconcile failed: ${(e as Error).message}`),
        );
        await this.running[slot];
        if (!this.stopped) this.timers[slot] = setTimeout(run, intervalMs);
      };
      void run();
    };
    loop(() => this.fluxPass(), 0);
    loop(() => this.kubernetesPass(), 1);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) if (t) clearTimeout(t);
    await Promise.all(this.running);
  }

  /** One pass of every controller the stand-in plays. */
  async reconcileOnce(): Promise<void> {
    await this.fluxPass();
    await this.kubernetesPass();
  }

  private async client(): Promise<Api> {
    // Both loops ask at once on the first pass: one client for both.
    this.api ??= Api.fromKubeconfig(this.options.kubeconfig).then((api) => {
      this.notify = new NotificationStandIn(api, this.log);
      this.kustomize = new KustomizeStandIn(api, this.log, this.options.timeScale ?? 1, this.notify);
      this.images = new ImageReflectorStandIn(api, this.options.aws, this.log);
      return api;
    });
    return await this.api;
  }

  private async fluxPass(): Promise<void> {
    const api = await this.client();
    for (const repo of await api.list(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind)) {
      await reconcileGitRepository(api, this.git, repo, this.log);
    }
    await reconcileHelmSources(api, this.log);
    for (const k of await api.list(KUSTOMIZATION.apiVersion, KUSTOMIZATION.kind)) {
      await this.kustomize!.reconcile(k).catch((e: unknown) =>
        this.log(`Kustomization ${k.metadata.namespace}/${k.metadata.name}: ${(e as Error).message}`),
      );
    }
    await reconcileHelmReleases(api, this.log);
    await this.notify!.markProviders();
    await this.images!.reconcile().catch((e: unknown) =>
      this.log(`image reflector: ${(e as Error).message}`),
    );
    await reconcileImageUpdates(api, this.log);
  }

  private async kubernetesPass(): Promise<void> {
    const api = await this.client();
    await this.markDeploymentsAvailable(api);
    await this.bindClaims(api);
    await this.finalizeDeletedNamespaces(api);
  }

  /**
   * The namespace controller's part (no kube-controller-manager runs here). A Namespace pruned
   * when the sync Kustomization moved to another cluster's folder would otherwise stay
   * Terminating for ever, and the next bootstrap whose profile uses it could apply nothing into
   * it. Its contents were pruned with it; what is left is the `kubernetes` finalizer.
   */
  private async finalizeDeletedNamespaces(api: Api): Promise<void> {
    for (const ns of await api.list('v1', 'Namespace')) {
      if (ns.metadata.deletionTimestamp === undefined) continue;
      const name = encodeURIComponent(ns.metadata.name ?? '');
      await api
        .request('PUT', `/api/v1/namespaces/${name}/finalize`, { ...ns, spec: { finalizers: [] } })
        .catch((e: unknown) => this.log(`cannot finalize namespace ${name}: ${(e as Error).message}`));
    }
  }

  /**
   * The volume binder's part (no storage here): every PersistentVolumeClaim is Bound, as the
   * EBS CSI driver binds a gp3 claim once its pod is scheduled. A layer with `wait: true` waits
   * for its claims, as Flux does.
   */
  private async bindClaims(api: Api): Promise<void> {
    for (const c of await api.list('v1', 'PersistentVolumeClaim')) {
      if (at(c, 'status', 'phase') === 'Bound') continue;
      const storage = at(c, 'spec', 'resources', 'requests', 'storage');
      const modes = at(c, 'spec', 'accessModes');
      await api
        .patchStatus(refOf(c), {
          phase: 'Bound',
          ...(Array.isArray(modes) ? { accessModes: modes } : {}),
          ...(typeof storage === 'string' ? { capacity: { storage } } : {}),
        })
        .catch(() => undefined);
    }
  }

  /**
   * The kubelet's and the workload controllers' part: every Deployment is available and every
   * StatefulSet ready at once (a layer with `wait: true` waits for both, as Flux does).
   */
  private async markDeploymentsAvailable(api: Api): Promise<void> {
    const workloads = [
      ...(await api.list('apps/v1', 'Deployment')),
      ...(await api.list('apps/v1', 'StatefulSet')),
    ];
    for (const d of workloads) {
      const want = typeof at(d, 'spec', 'replicas') === 'number' ? (at(d, 'spec', 'replicas') as number) : 1;
      const generation = d.metadata.generation ?? 1;
      if (
        // readyReplicas, not availableReplicas: a 1.20 apiserver drops a StatefulSet's
        // availableReplicas (1.22+), and checking it re-wrote the status, with new condition
        // times, on every pass (a diff reading in between saw status.conditions drift).
        at(d, 'status', 'observedGeneration') === generation &&
        at(d, 'status', 'readyReplicas') === want &&
        at(d, 'status', 'updatedReplicas') === want
      )
        continue;
      await api.patchStatus(refOf(d), available(want, generation)).catch(() => undefined);
    }
  }
}

function available(replicas: number, generation: number): Record<string, unknown> {
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastUpdateTime: time,
    lastTransitionTime: time,
  });
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      cond('Available', 'MinimumReplicasAvailable', 'sandbox: marked available'),
      cond('Progressing', 'NewReplicaSetAvailable', 'sandbox: rolled out'),
    ],
  };
}

export type { Obj };
