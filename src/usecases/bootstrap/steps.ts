/**
 * The bootstrap's own steps, around the AWS and reconciler ones: publishing the cluster's folder
 * to the fleet repo, writing the kubeconfig entry, and waiting for the profile's workloads.
 */
import { readFile } from 'node:fs/promises';
import type { AwsClients } from '../../integrations/aws/clients.js';
import { CLUSTER } from '../../integrations/aws/cluster.js';
import { type FleetPushOutput, type FleetWrite, fleetPushStep } from '../../integrations/git/steps.js';
import { type ClientSource, clientFor } from '../../integrations/kube/apply-step.js';
import { readinessOf } from '../../integrations/kube/readiness.js';
import { type WaitTarget, waitForReady } from '../../integrations/kube/waiter.js';
import type { Reconciler } from '../../integrations/reconciler/reconciler.js';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import { kubeconfigPath, writeKubeconfigEntry } from '../kubeconfig.js';

export const FLEET = stepRef<FleetPushOutput>('fleet:publish');
export const KUBECONFIG = stepRef<KubeconfigOutput>('kubeconfig:write');
export const WORKLOADS = stepRef<{ workloads: number }>('workloads:ready');

/**
 * Observes by diffing the branch tip, so a dry run tells the truth and a re-run pushes nothing.
 * The files may need other steps' outputs (the VPC id): `dependsOn` names those steps.
 */
export function fleetPublishStep(
  path: string,
  dependsOn: readonly string[],
  write: (ctx: StepContext) => FleetWrite,
) {
  return fleetPushStep({ id: FLEET.id, title: `Publish ${path} to the fleet repo`, dependsOn, write });
}

export interface KubeconfigOutput {
  path: string;
  context: string;
}

export function kubeconfigStep(
  aws: AwsClients,
  opts: { path?: string; alias?: string; env: NodeJS.ProcessEnv },
): Step<KubeconfigOutput> {
  const path = kubeconfigPath(opts);
  return {
    id: KUBECONFIG.id,
    title: 'Add the cluster to the kubeconfig',
    dependsOn: [CLUSTER.id],
    async observe() {
      return { inSync: false, summary: path };
    },
    async apply(ctx) {
      const cluster = ctx.need(CLUSTER);
      const before = await readFile(path, 'utf8').catch(() => undefined);
      const r = await writeKubeconfigEntry(aws.region, cluster, { path, alias: opts.alias, env: opts.env });
      const after = await readFile(path, 'utf8').catch(() => undefined);
      return {
        result: before === after ? 'unchanged' : before === undefined ? 'created' : 'updated',
        summary: `context ${r.contextName} in ${r.path}`,
        output: { path: r.path, context: r.contextName },
      };
    },
  };
}

/**
 * The profile's workloads, as the reconciler's inventory lists them, are healthy. Runs after the
 * reconciler applied the pushed revision, and after the node groups exist (pods need nodes).
 */
export function workloadsReadyStep(options: {
  client: ClientSource;
  reconciler: Reconciler;
  dependsOn: readonly string[];
  intervalMs: number;
}): Step<{ workloads: number }> {
  const targets = async (ctx: StepContext): Promise<WaitTarget[]> => {
    const c = await clientFor(options.client, ctx);
    return (await options.reconciler.workloads(c, ctx.signal)).map((ref) => ({ ref }));
  };
  return {
    id: WORKLOADS.id,
    title: "Wait for the profile's workloads",
    dependsOn: options.dependsOn,
    async observe(ctx) {
      const c = await clientFor(options.client, ctx);
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
      const c = await clientFor(options.client, ctx);
      const list = await targets(ctx);
      await waitForReady(c, list, {
        deadline: ctx.deadline,
        signal: ctx.signal,
        sink: ctx.sink,
        stepId: WORKLOADS.id,
        intervalMs: options.intervalMs,
      });
      return {
        result: 'unchanged',
        summary: `${list.length} workloads healthy`,
        output: { workloads: list.length },
      };
    },
  };
}
