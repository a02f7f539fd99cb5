/**
 * `gitops destroy`: the reverse of bootstrap, as a plan.
 *   kube:suspend        stop the reconciler first, or it would recreate what we remove
 *   kube:load-balancers delete Services of type LoadBalancer and Ingresses: the AWS load
 *                       balancers they own would otherwise outlive the cluster (and block the VPC)
 *   aws:*               the AWS teardown, in reverse dependency order
 *   fleet:remove        one commit removing clusters/<name>/ (unless --keep-git), last, so that
 *                       a destroy that fails half-way still has its desired state in Git
 */
import type { AwsClients } from '../integrations/aws/clients.js';
import { BUCKETS_KEPT } from '../integrations/aws/bucket-teardown.js';
import { teardownSteps } from '../integrations/aws/teardown.js';
import { removeFleetPath } from '../integrations/git/fleet.js';
import { clusterLease } from '../integrations/git/lease.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { describeRef, field, type KubeObject, type ObjectRef, refOf } from '../integrations/kube/object.js';
import { destroyMessage } from '../integrations/profiles/render.js';
import type { FleetLocation, Reconciler } from '../integrations/reconciler/reconciler.js';
import { isGitopsError, systemError } from '../primitives/errors.js';
import { emit, type EventSink } from '../primitives/events.js';
import { buildPlan, type Plan, type Step, type StepContext, stepRef } from '../primitives/plan.js';
import { type PlanReport, runPlan, type StepDocument, stepDocuments } from '../primitives/runner.js';
import { sleep } from '../primitives/wait.js';
import type { Clients } from './clients.js';
import { connect } from './connect.js';

export type { FleetLocation };

const SUSPEND = stepRef<unknown>('kube:suspend');
const LOAD_BALANCERS = stepRef<unknown>('kube:load-balancers');
const FLEET_REMOVE = stepRef<{ revision?: string; committed: boolean }>('fleet:remove');

export interface DestroyRequest {
  cluster: string;
  clients: Clients;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  keepGit: boolean;
  force: boolean;
  /** Keep the cluster's S3 buckets and their data. */
  keepData?: boolean;
  /** Where the cluster's folder is, when the cluster can no longer say (flags). */
  fleet?: Partial<FleetLocation>;
  pollMs: number;
}

export interface DestroyDocument {
  ok: boolean;
  dryRun: boolean;
  cluster: { name: string; region: string };
  fleet?: FleetLocation & { removed: boolean; revision?: string };
  steps: StepDocument[];
  /** S3 buckets left in place with their data (--keep-data). */
  keptBuckets: string[];
  warnings: string[];
  error?: { code: string; message: string; hint?: string };
}

export async function runDestroy(
  req: DestroyRequest,
): Promise<{ report: PlanReport; document: DestroyDocument }> {
  const { aws, reconciler, env } = req.clients;
  const { client } = await connect(aws, req.cluster, { signal: req.signal, env });
  const warnings: string[] = [];
  try {
    // A cluster that answers but cannot say where its folder is (its API refuses us) stops here:
    // guessing would remove the wrong folder, or none, without saying so.
    const fromCluster = client ? await reconciler.location(client, req.signal) : undefined;
    const fleet = completeFleet(fromCluster, req.fleet, req.cluster);
    if (!req.keepGit && !fleet) {
      const message = `clusters/${req.cluster}/ was not removed from the fleet repo: the cluster cannot tell where it is; pass --git-url`;
      warnings.push(message);
      emit(req.sink, { type: 'warning', code: 'GITOPS_FLEET_NOT_REMOVED', message });
    }
    const plan = destroyPlan(req, aws, reconciler, client, req.keepGit ? undefined : fleet);
    // The same lease as bootstrap (src/integrations/git/lease.ts): a destroy never races a
    // bootstrap of the cluster. Without a known fleet repo there is nowhere to hold it.
    const lease =
      req.dryRun || !fleet
        ? undefined
        : await clusterLease({
            url: fleet.url,
            cluster: req.cluster,
            operation: 'destroy',
            signal: req.signal,
            sink: req.sink,
            env,
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
    const removed = report.output(FLEET_REMOVE);
    const document: DestroyDocument = {
      ok: report.ok,
      dryRun: report.dryRun,
      cluster: { name: req.cluster, region: aws.region },
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
      keptBuckets: report.output(BUCKETS_KEPT)?.kept ?? [],
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
  aws: AwsClients,
  reconciler: Reconciler,
  client: KubeClient | undefined,
  fleet: FleetLocation | undefined,
): Plan {
  const awsSteps = teardownSteps({ name: req.cluster }, aws, {
    force: req.force,
    keepData: req.keepData === true,
  });
  // The AWS teardown starts only after the in-cluster steps: a load balancer that could not be
  // removed (or listed) must stop the destroy before the cluster that owns it is deleted.
  const inCluster = client
    ? [reconciler.suspendStep(client, SUSPEND.id), loadBalancersStep(client, req.pollMs)]
    : [];
  const first = inCluster.map((s) => s.id);
  const steps: Step[] = [
    ...inCluster,
    ...awsSteps.map((s) =>
      first.length > 0 && (s.dependsOn ?? []).length === 0 ? { ...s, dependsOn: first } : s,
    ),
  ];
  if (fleet)
    steps.push(
      fleetRemoveStep(
        req.cluster,
        fleet,
        req.clients.env,
        awsSteps.map((s) => s.id),
      ),
    );
  return buildPlan('destroy', steps);
}

/**
 * Services of type LoadBalancer and Ingresses: what makes the AWS load balancer controller create
 * load balancers, which would outlive the cluster and hold its VPC. A kind the cluster does not
 * serve has none; a list that fails is an error, never "none".
 */
function loadBalancersStep(client: KubeClient, pollMs: number): Step {
  const listServed = async (apiVersion: string, kind: string, signal: AbortSignal): Promise<KubeObject[]> => {
    const info = await client.discovery.find(apiVersion, kind);
    return info ? await client.listResource(info, { signal }) : [];
  };
  const find = async (signal: AbortSignal): Promise<ObjectRef[]> => {
    const [services, ingresses] = await Promise.all([
      listServed('v1', 'Service', signal),
      listServed('networking.k8s.io/v1', 'Ingress', signal),
    ]);
    return [...services.filter((s) => field(s, 'spec', 'type') === 'LoadBalancer'), ...ingresses].map(refOf);
  };
  return {
    id: LOAD_BALANCERS.id,
    title: 'Remove load balancers the cluster created',
    dependsOn: [SUSPEND.id],
    async observe(ctx) {
      const refs = await find(ctx.signal);
      return refs.length === 0
        ? { inSync: true, summary: 'none' }
        : { inSync: false, summary: `delete ${refs.length} Services/Ingresses` };
    },
    async apply(ctx: StepContext) {
      const refs = await find(ctx.signal);
      for (const ref of refs) await client.delete(ref);
      // Deletion finishes when the controller removed the AWS side and its finalizer.
      let left = refs;
      const stillThere = () =>
        systemError(
          'GITOPS_TIMEOUT',
          `${left.length} load balancer object(s) still there at the deadline: ${left.slice(0, 3).map(describeRef).join(', ')}`,
          {
            hint: 'their AWS load balancers would hold the VPC; check the load balancer controller, then run destroy again',
          },
        );
      try {
        for (;;) {
          left = await find(ctx.signal);
          if (left.length === 0) break;
          if (Date.now() > ctx.deadline) throw stillThere();
          ctx.progress(`waiting for ${left.length} load balancer objects to go`);
          await sleep(pollMs, ctx.signal);
        }
      } catch (e) {
        // The plan's deadline aborts the signal the moment ours passes, mostly while we sleep:
        // the error must still name what is left, not only say that time ran out.
        const reason: unknown = ctx.signal.reason;
        if (ctx.signal.aborted && isGitopsError(reason) && reason.code === 'GITOPS_TIMEOUT')
          throw stillThere();
        throw e;
      }
      return { result: 'deleted', summary: `deleted ${refs.length} Services/Ingresses` };
    },
  };
}

function fleetRemoveStep(
  cluster: string,
  fleet: FleetLocation,
  env: NodeJS.ProcessEnv,
  dependsOn: string[],
): Step<{ revision?: string; committed: boolean }> {
  return {
    id: FLEET_REMOVE.id,
    title: `Remove ${fleet.path} from the fleet repo`,
    dependsOn,
    async observe() {
      return { inSync: false, summary: `${fleet.url} ${fleet.branch}:${fleet.path}` };
    },
    async apply(ctx) {
      const r = await removeFleetPath({
        ...fleet,
        message: destroyMessage(cluster),
        env,
        signal: ctx.signal,
        sink: ctx.sink,
        stepId: FLEET_REMOVE.id,
      });
      const output = { committed: r.committed, ...(r.revision ? { revision: r.revision } : {}) };
      return r.committed
        ? { result: 'deleted', summary: `pushed ${r.revision?.slice(0, 12)}`, output }
        : { result: 'unchanged', summary: 'already gone', output };
    },
  };
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
