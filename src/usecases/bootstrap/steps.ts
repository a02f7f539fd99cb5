/**
 * The bootstrap's own steps, around the AWS and Flux ones: publishing the cluster's folder to
 * the fleet repo, writing the kubeconfig entry, and waiting for the profile's workloads.
 */
import { readFile } from 'node:fs/promises';
import type { AwsClients } from '../../integrations/aws/clients.js';
import { CLUSTER_STEP, type ClusterOutput } from '../../integrations/aws/cluster.js';
import { defaultKubeconfigPath, mergeKubeconfig } from '../../integrations/aws/kubeconfig.js';
import { fleetPushStep } from '../../integrations/git/steps.js';
import { type ClientSource, clientFor } from '../../integrations/kube/apply-step.js';
import { isRecord, type ObjectRef } from '../../integrations/kube/object.js';
import { readinessOf } from '../../integrations/kube/readiness.js';
import { type WaitTarget, waitForReady } from '../../integrations/kube/waiter.js';
import { FLUX_NAMESPACE, KUSTOMIZATION_API } from '../../integrations/reconciler/flux/sync.js';
import type { Step, StepContext } from '../../primitives/plan.js';

export const FLEET_STEP = 'fleet:publish';
export const KUBECONFIG_STEP = 'kubeconfig:write';
export const WORKLOADS_STEP = 'workloads:ready';

/** What the fleet step reports: the branch tip holding the cluster folder, and whether we pushed. */
export type { FleetPushOutput as FleetOutput } from '../../integrations/git/steps.js';

export function fleetPublishStep(req: {
  url: string;
  branch: string;
  path: string;
  files: Record<string, string>;
  message: string;
}) {
  // Observes by diffing the branch tip, so a dry run tells the truth and a re-run pushes nothing.
  return fleetPushStep({ id: FLEET_STEP, title: `Publish ${req.path} to the fleet repo`, write: () => req });
}

export interface KubeconfigOutput {
  path: string;
  context: string;
}

export function kubeconfigStep(
  aws: AwsClients,
  opts: { path?: string; contextName?: string },
): Step<KubeconfigOutput> {
  const path = opts.path ?? defaultKubeconfigPath();
  return {
    id: KUBECONFIG_STEP,
    title: 'Add the cluster to the kubeconfig',
    dependsOn: [CLUSTER_STEP],
    async observe() {
      return { inSync: false, summary: path };
    },
    async apply(ctx) {
      const cluster = ctx.requireOutput<ClusterOutput>(CLUSTER_STEP);
      const before = await readFile(path, 'utf8').catch(() => undefined);
      const r = await mergeKubeconfig(
        {
          name: cluster.name,
          region: aws.region,
          arn: cluster.arn,
          endpoint: cluster.endpoint,
          certificateAuthority: cluster.certificateAuthority,
        },
        { path, ...(opts.contextName ? { contextName: opts.contextName } : {}) },
      );
      const after = await readFile(path, 'utf8').catch(() => undefined);
      const output = { path: r.path, context: r.contextName };
      return {
        result: before === after ? 'unchanged' : before === undefined ? 'created' : 'updated',
        summary: `context ${r.contextName} in ${r.path}`,
        output,
      };
    },
  };
}

/** Kinds whose readiness says a workload runs; everything else counts once applied. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'HelmRelease', 'Kustomization']);

/**
 * The profile's workloads, as the sync Kustomization's inventory lists them, are healthy. Runs
 * after Flux applied the pushed revision, and after the node groups exist (pods need nodes).
 */
export function workloadsReadyStep(
  client: ClientSource,
  dependsOn: readonly string[],
  intervalMs = 1000,
): Step<{ workloads: number }> {
  const targets = async (ctx: StepContext): Promise<WaitTarget[]> => {
    const c = await clientFor(client, ctx);
    const k = await c.get(
      {
        apiVersion: KUSTOMIZATION_API,
        kind: 'Kustomization',
        name: FLUX_NAMESPACE,
        namespace: FLUX_NAMESPACE,
      },
      ctx.signal,
    );
    return inventoryRefs(k)
      .filter((r) => WORKLOAD_KINDS.has(r.kind) && r.namespace !== FLUX_NAMESPACE)
      .map((ref) => ({ ref }));
  };
  return {
    id: WORKLOADS_STEP,
    title: "Wait for the profile's workloads",
    dependsOn,
    async observe(ctx) {
      const c = await clientFor(client, ctx);
      const list = await targets(ctx);
      const states = await Promise.all(
        list.map(async (t) => {
          const live = await c.get(t.ref, ctx.signal);
          return live ? readinessOf(live) : { ready: false, reason: 'not found' };
        }),
      );
      const waiting = states.filter((s) => !s.ready).length;
      return waiting === 0
        ? { inSync: true, summary: `${list.length} workloads healthy`, output: { workloads: list.length } }
        : { inSync: false, summary: `${waiting} of ${list.length} workloads not ready yet` };
    },
    async apply(ctx) {
      const c = await clientFor(client, ctx);
      const list = await targets(ctx);
      await waitForReady(c, list, {
        deadline: ctx.deadline,
        signal: ctx.signal,
        sink: ctx.sink,
        stepId: WORKLOADS_STEP,
        intervalMs,
      });
      return {
        result: 'unchanged',
        summary: `${list.length} workloads healthy`,
        output: { workloads: list.length },
      };
    },
  };
}

/** Flux's inventory ids are <namespace>_<name>_<group>_<kind>, with the version beside them. */
export function inventoryRefs(kustomization: unknown): ObjectRef[] {
  const status = isRecord(kustomization) && isRecord(kustomization['status']) ? kustomization['status'] : {};
  const entries =
    isRecord(status['inventory']) && Array.isArray(status['inventory']['entries'])
      ? status['inventory']['entries']
      : [];
  const refs: ObjectRef[] = [];
  for (const e of entries) {
    if (!isRecord(e) || typeof e['id'] !== 'string') continue;
    const [namespace, name, group, kind] = e['id'].split('_');
    if (!name || !kind) continue;
    const version = typeof e['v'] === 'string' ? e['v'] : 'v1';
    refs.push({
      apiVersion: group ? `${group}/${version}` : version,
      kind,
      name,
      ...(namespace ? { namespace } : {}),
    });
  }
  return refs;
}
