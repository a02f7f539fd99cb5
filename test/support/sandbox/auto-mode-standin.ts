/**
 * A stand-in for what EKS Auto Mode runs inside a cluster, in the sandbox. The emulator plays the
 * EKS API's side of Auto Mode (computeConfig and the rest, the access entries EKS makes); a real
 * Auto Mode cluster also serves Auto Mode's kinds from the start and holds its built-in node
 * pools, and its Karpenter-based controller makes nodes for pending pods. There are no nodes here,
 * so while an emulated cluster has Auto Mode on and is ACTIVE this:
 *   - serves the kinds (CRDs with permissive schemas): karpenter.sh/v1 NodePool and NodeClaim,
 *     eks.amazonaws.com/v1 NodeClass and IngressClassParams;
 *   - holds the built-in NodeClass `default` and the built-in pools the cluster names;
 *   - marks every NodePool and NodeClass Ready, annotated sandbox.gitops.dev/stood-in, so status
 *     lists them under `simulated`: no node is ever made, no load balancer or volume either.
 * The kinds stay once made, like the CRDs of the charts the Flux stand-in installs (the apiserver is
 * shared by every emulated cluster; removing a kind under a Flux inventory that lists objects of it
 * is nothing a real cluster goes through). It imports nothing from the product (src/).
 */
import type { RunningEmulator } from '../aws-emulator/index.js';
import { Api, ApiError, at, isRecord, type Obj, refOf } from './standin/api.js';
import { STOOD_IN_ANNOTATION } from './standin/helm.js';

const CRD_API = 'apiextensions.k8s.io/v1';
const KINDS = [
  { group: 'karpenter.sh', kind: 'NodePool', plural: 'nodepools' },
  { group: 'karpenter.sh', kind: 'NodeClaim', plural: 'nodeclaims' },
  { group: 'eks.amazonaws.com', kind: 'NodeClass', plural: 'nodeclasses' },
  { group: 'eks.amazonaws.com', kind: 'IngressClassParams', plural: 'ingressclassparams' },
] as const;
const NOTE = 'EKS Auto Mode (sandbox): no nodes are provisioned, the pool only looks ready';
const MANAGER = 'sandbox-auto-mode';

export class AutoModeStandIn {
  private api: Promise<Api> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly options: { kubeconfig: string; emulator: RunningEmulator; log?: (l: string) => void },
  ) {}

  start(intervalMs = 300): void {
    const run = async () => {
      if (this.stopped) return;
      this.running = this.reconcileOnce().catch((e: unknown) =>
        this.options.log?.(`auto mode stand-in: ${(e as Error).message}`),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(run, intervalMs);
    };
    void run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async reconcileOnce(): Promise<void> {
    this.api ??= Api.fromKubeconfig(this.options.kubeconfig);
    const api = await this.api;
    const clusters = this.options.emulator
      .state()
      .eks.clusters.filter((c) => c.computeConfig?.enabled === true && c.status === 'ACTIVE');
    if (clusters.length === 0) return;
    if (!(await this.serveKinds(api))) return;
    const builtin = new Set(clusters.flatMap((c) => c.computeConfig?.nodePools ?? []));
    await this.ensure(api, {
      apiVersion: 'eks.amazonaws.com/v1',
      kind: 'NodeClass',
      metadata: { name: 'default' },
      spec: {},
    });
    for (const name of builtin)
      await this.ensure(api, {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: { name },
        spec: {
          template: {
            spec: { nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' } },
          },
        },
      });
    for (const o of [
      ...(await api.list('eks.amazonaws.com/v1', 'NodeClass')),
      ...(await api.list('karpenter.sh/v1', 'NodePool')),
    ])
      await this.markReady(api, o);
  }

  /** The CRDs, created once; true once all are established. */
  private async serveKinds(api: Api): Promise<boolean> {
    let established = 0;
    for (const k of KINDS) {
      const name = `${k.plural}.${k.group}`;
      const live = await api.get({ apiVersion: CRD_API, kind: 'CustomResourceDefinition', name });
      if (live === undefined) {
        await api
          .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(k))
          .catch((e: unknown) => {
            if (!(e instanceof ApiError && e.status === 409)) throw e;
          });
        continue;
      }
      const conditions = at(live, 'status', 'conditions');
      if (
        Array.isArray(conditions) &&
        conditions.some((c) => at(c, 'type') === 'Established' && at(c, 'status') === 'True')
      )
        established++;
    }
    if (established === KINDS.length) for (const k of KINDS) api.forget(`${k.group}/v1`);
    return established === KINDS.length;
  }

  private async ensure(api: Api, obj: Obj): Promise<void> {
    if (await api.get(refOf(obj))) return;
    await api.apply(obj, MANAGER);
  }

  private async markReady(api: Api, o: Obj): Promise<void> {
    const conditions = at(o, 'status', 'conditions');
    const ready =
      Array.isArray(conditions) &&
      conditions.some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
    if (!(o.metadata.annotations?.[STOOD_IN_ANNOTATION] === NOTE))
      await api.mergePatch(refOf(o), { metadata: { annotations: { [STOOD_IN_ANNOTATION]: NOTE } } });
    if (ready) return;
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api.patchStatus(refOf(o), {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'sandbox: stood in for',
          lastTransitionTime: time,
        },
      ],
    });
  }
}

function crd(k: (typeof KINDS)[number]): Obj {
  return {
    apiVersion: CRD_API,
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${k.plural}.${k.group}`,
      annotations: { [STOOD_IN_ANNOTATION]: 'EKS Auto Mode serves this kind' },
    },
    spec: {
      group: k.group,
      scope: 'Cluster',
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.kind.toLowerCase() },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}
