/**
 * `gitops destroy`: the reverse of bootstrap, as a plan.
 *   kube:suspend        stop Flux first, or it would recreate what we remove
 *   kube:load-balancers delete Services of type LoadBalancer and Ingresses: the AWS load
 *                       balancers they own would otherwise outlive the cluster (and block the VPC)
 *   aws:*               the AWS teardown, in reverse dependency order
 *   fleet:remove        one commit removing clusters/<name>/ (unless --keep-git), last, so that
 *                       a destroy that fails half-way still has its desired state in Git
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import { teardownSteps } from '../integrations/aws/teardown.js';
import { removeFleetPath } from '../integrations/git/fleet.js';
import { clusterLease } from '../integrations/git/lease.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { field, type ObjectRef, refOf } from '../integrations/kube/object.js';
import { FLUX_NAMESPACE, GIT_REPOSITORY_API, KUSTOMIZATION_API } from '../integrations/reconciler/flux/sync.js';
import { kubeClientForCluster } from './connect.js';
import type { EventSink } from '../primitives/events.js';
import { buildPlan, type Plan, type Step, type StepContext } from '../primitives/plan.js';
import { type PlanReport, runPlan, type StepDocument, stepDocuments } from '../primitives/runner.js';
import { sleep } from '../primitives/wait.js';

export interface FleetLocation {
  url: string;
  branch: string;
  path: string;
}

export interface DestroyRequest {
  cluster: string;
  aws: AwsClients;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  keepGit: boolean;
  force: boolean;
  /** Where the cluster's folder is, when the cluster can no longer say (flags). */
  fleet?: Partial<FleetLocation>;
  pollMs?: number;
}

export interface DestroyDocument {
  ok: boolean;
  dryRun: boolean;
  cluster: { name: string; region: string };
  fleet?: FleetLocation & { removed: boolean; revision?: string };
  steps: StepDocument[];
  warnings: string[];
  error?: { code: string; message: string; hint?: string };
}

export async function runDestroy(
  req: DestroyRequest,
): Promise<{ report: PlanReport; document: DestroyDocument }> {
  const described = await req.aws.eks.describeCluster(req.cluster);
  const client =
    described?.endpoint && described.status === 'ACTIVE'
      ? kubeClientForCluster(req.aws, {
          name: req.cluster,
          endpoint: described.endpoint,
          certificateAuthority: described.certificateAuthority ?? '',
        })
      : undefined;
  const warnings: string[] = [];
  try {
    const fromCluster = client ? await fleetFromCluster(client).catch(() => undefined) : undefined;
    const fleet = completeFleet(fromCluster, req.fleet, req.cluster);
    if (!req.keepGit && !fleet)
      warnings.push(
        `clusters/${req.cluster}/ was not removed from the fleet repo: the cluster cannot tell where it is; pass --git-url`,
      );
    const plan = destroyPlan(req, client, req.keepGit ? undefined : fleet);
    // The same lease as bootstrap (src/git/lease.ts): a destroy never races a bootstrap of the
    // cluster. Without a known fleet repo there is nowhere to hold it.
    const lease =
      req.dryRun || !fleet
        ? undefined
        : await clusterLease({
            url: fleet.url,
            cluster: req.cluster,
            operation: 'destroy',
            signal: req.signal,
            sink: req.sink,
          });
    let report: PlanReport;
    try {
      report = await runPlan(plan, {
        sink: req.sink,
        signal: lease ? AbortSignal.any([req.signal, lease.lost]) : req.signal,
        deadline: req.deadline,
        dryRun: req.dryRun,
        concurrency: 8,
      });
    } finally {
      await lease?.release();
    }
    const removed = report.outputs.get('fleet:remove') as
      | { revision?: string; committed: boolean }
      | undefined;
    const document: DestroyDocument = {
      ok: report.ok,
      dryRun: report.dryRun,
      cluster: { name: req.cluster, region: req.aws.region },
      ...(fleet && !req.keepGit
        ? {
            fleet: {
              ...fleet,
              removed: removed?.committed ?? false,
              ...(removed?.revision ? { revision: removed.revision } : {}),
            },
          }
        : {}),
      steps: stepDocuments(report),
      warnings,
      ...(report.error ? { error: report.error.toJSON() } : {}),
    };
    return { report, document };
  } finally {
    client?.close();
  }
}

function destroyPlan(
  req: DestroyRequest,
  client: KubeClient | undefined,
  fleet: FleetLocation | undefined,
): Plan {
  const aws = teardownSteps({ name: req.cluster }, req.aws, { force: req.force });
  const inCluster = client ? [suspendStep(client), loadBalancersStep(client, req.pollMs ?? 2000)] : [];
  const first = inCluster.map((s) => s.id);
  const steps: Step[] = [
    ...inCluster,
    ...aws.map((s) =>
      first.length > 0 && (s.dependsOn ?? []).length === 0 ? { ...s, dependsOn: first } : s,
    ),
  ];
  if (fleet)
    steps.push(
      fleetRemoveStep(
        req.cluster,
        fleet,
        aws.map((s) => s.id),
      ),
    );
  return buildPlan('destroy', steps);
}

function suspendStep(client: KubeClient): Step {
  const list = async () => client.list(KUSTOMIZATION_API, 'Kustomization').catch(() => []);
  return {
    id: 'kube:suspend',
    title: 'Suspend Flux',
    async observe() {
      const active = (await list()).filter((k) => field(k, 'spec', 'suspend') !== true);
      return active.length === 0
        ? { inSync: true, summary: 'no active Kustomizations' }
        : { inSync: false, summary: `suspend ${active.length} Kustomizations` };
    },
    async apply() {
      const active = (await list()).filter((k) => field(k, 'spec', 'suspend') !== true);
      const info = await client.discovery.resolve(KUSTOMIZATION_API, 'Kustomization');
      for (const k of active) {
        await client.applyRaw(
          info,
          {
            apiVersion: KUSTOMIZATION_API,
            kind: 'Kustomization',
            metadata: { name: k.metadata.name ?? '', namespace: k.metadata.namespace ?? FLUX_NAMESPACE },
            spec: { suspend: true },
          },
          { fieldManager: 'gitops-destroy', force: true },
        );
      }
      return { result: 'updated', summary: `suspended ${active.length} Kustomizations` };
    },
  };
}

/** Services of type LoadBalancer and Ingresses: what makes the AWS load balancer controller create ELBs. */
function loadBalancersStep(client: KubeClient, pollMs: number): Step {
  const find = async (): Promise<ObjectRef[]> => {
    const services = (await client.list('v1', 'Service').catch(() => [])).filter(
      (s) => field(s, 'spec', 'type') === 'LoadBalancer',
    );
    const ingresses = await client.list('networking.k8s.io/v1', 'Ingress').catch(() => []);
    return [...services, ...ingresses].map(refOf);
  };
  return {
    id: 'kube:load-balancers',
    title: 'Remove load balancers the cluster created',
    dependsOn: ['kube:suspend'],
    async observe() {
      const refs = await find();
      return refs.length === 0
        ? { inSync: true, summary: 'none' }
        : { inSync: false, summary: `delete ${refs.length} Services/Ingresses` };
    },
    async apply(ctx: StepContext) {
      const refs = await find();
      for (const ref of refs) await client.delete(ref);
      // Deletion finishes when the controller removed the AWS side and its finalizer.
      while ((await find()).length > 0) {
        if (Date.now() > ctx.deadline) break;
        ctx.progress(`waiting for ${refs.length} load balancer objects to go`);
        await sleep(pollMs, ctx.signal);
      }
      return { result: 'deleted', summary: `deleted ${refs.length} Services/Ingresses` };
    },
  };
}

function fleetRemoveStep(
  cluster: string,
  fleet: FleetLocation,
  dependsOn: string[],
): Step<{ revision?: string; committed: boolean }> {
  return {
    id: 'fleet:remove',
    title: `Remove ${fleet.path} from the fleet repo`,
    dependsOn,
    async observe() {
      return { inSync: false, summary: `${fleet.url} ${fleet.branch}:${fleet.path}` };
    },
    async apply(ctx) {
      const r = await removeFleetPath({
        ...fleet,
        message: `gitops: destroy ${cluster}`,
        signal: ctx.signal,
        sink: ctx.sink,
        stepId: 'fleet:remove',
      });
      const output = { committed: r.committed, ...(r.revision ? { revision: r.revision } : {}) };
      return r.committed
        ? { result: 'deleted', summary: `pushed ${r.revision?.slice(0, 12)}`, output }
        : { result: 'unchanged', summary: 'already gone', output };
    },
  };
}

async function fleetFromCluster(client: KubeClient): Promise<Partial<FleetLocation>> {
  const source = await client.get({
    apiVersion: GIT_REPOSITORY_API,
    kind: 'GitRepository',
    name: FLUX_NAMESPACE,
    namespace: FLUX_NAMESPACE,
  });
  const sync = await client.get({
    apiVersion: KUSTOMIZATION_API,
    kind: 'Kustomization',
    name: FLUX_NAMESPACE,
    namespace: FLUX_NAMESPACE,
  });
  const out: Partial<FleetLocation> = {};
  const url = field(source, 'spec', 'url');
  const branch = field(source, 'spec', 'ref', 'branch');
  const path = field(sync, 'spec', 'path');
  if (typeof url === 'string') out.url = url;
  if (typeof branch === 'string') out.branch = branch;
  if (typeof path === 'string') out.path = path.replace(/^\.\//, '');
  return out;
}

/** Flags win over what the cluster says; the path defaults to clusters/<name>. */
function completeFleet(
  fromCluster: Partial<FleetLocation> | undefined,
  flags: Partial<FleetLocation> | undefined,
  cluster: string,
): FleetLocation | undefined {
  const url = flags?.url ?? fromCluster?.url;
  if (!url) return undefined;
  return {
    url,
    branch: flags?.branch ?? fromCluster?.branch ?? 'main',
    path: flags?.path ?? fromCluster?.path ?? `clusters/${cluster}`,
  };
}
