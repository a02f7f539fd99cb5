/**
 * The bootstrap plan: one graph, so nothing waits needlessly.
 *
 *   fleet:publish ─────────────────────────────────────────────┐
 *   aws:network, aws:iam:*, aws:ecr:* ── aws:cluster ─┬─ nodegroups, add-ons, access entries ─┐
 *                                                     ├─ kubeconfig:write                     │
 *                                                     └─ flux:components ─ flux:credentials ─ flux:sync
 *                                                            flux:ready (needs fleet:publish) ┴─ workloads:ready
 * Flux goes in as soon as the API answers: it needs no nodes to accept objects.
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { CLUSTER_STEP, type ClusterOutput } from '../../integrations/aws/cluster.js';
import { provisionSteps } from '../../integrations/aws/provision.js';
import type { KubeClient } from '../../integrations/kube/client.js';
import { commitMessage, renderCluster } from '../../integrations/profiles/render.js';
import { fluxGitUrl, type GitCredentials } from '../../integrations/reconciler/flux/credentials.js';
import { fluxFleetFiles } from '../../integrations/reconciler/flux/fleet-files.js';
import { FLUX_STEPS, fluxInstallSteps, fluxReadyStep } from '../../integrations/reconciler/flux/install.js';
import type { FluxSyncSpec } from '../../integrations/reconciler/flux/sync.js';
import { kubeClientForCluster } from '../connect.js';
import { buildPlan, type Plan, type StepContext } from '../../primitives/plan.js';
import type { BootstrapInputs } from './inputs.js';
import {
  FLEET_STEP,
  type FleetOutput,
  fleetPublishStep,
  kubeconfigStep,
  workloadsReadyStep,
} from './steps.js';

export interface BootstrapPlanOptions {
  aws: AwsClients;
  credentials: GitCredentials;
  kubeconfigPath?: string;
  /** Poll interval of the Flux and workload waits (default 2 s; the sandbox uses less). */
  pollMs?: number;
}

export interface BootstrapPlan {
  plan: Plan;
  files: Record<string, string>;
  path: string;
  sync: FluxSyncSpec;
  /** Closes the cluster connection the plan opened, if any. */
  close(): void;
}

export function bootstrapPlan(inputs: BootstrapInputs, options: BootstrapPlanOptions): BootstrapPlan {
  const { spec, aws } = { spec: inputs.spec, aws: options.aws };
  const rendered = renderCluster({
    spec: inputs.requested,
    profile: inputs.profile,
    accountId: inputs.accountId,
  });
  const sync: FluxSyncSpec = {
    url: fluxGitUrl(spec.fleet.url),
    branch: spec.fleet.branch,
    path: rendered.path,
  };
  const files = { ...rendered.files, ...fluxFleetFiles(inputs.flux, sync) };

  // One connection per run, opened when the cluster's endpoint is known.
  let client: KubeClient | undefined;
  const clientSource = (ctx: StepContext): KubeClient => {
    client ??= kubeClientForCluster(aws, ctx.requireOutput<ClusterOutput>(CLUSTER_STEP));
    return client;
  };

  const awsSteps = provisionSteps(spec, aws);
  const inCluster = awsSteps.map((s) => s.id).filter((id) => /^aws:(nodegroup|addon):/.test(id));
  const steps = [
    fleetPublishStep({
      url: spec.fleet.url,
      branch: spec.fleet.branch,
      path: rendered.path,
      files,
      message: commitMessage(spec.name, inputs.profile),
    }),
    ...awsSteps,
    kubeconfigStep(aws, options.kubeconfigPath === undefined ? {} : { path: options.kubeconfigPath }),
    ...fluxInstallSteps({
      client: clientSource,
      manifests: inputs.flux,
      sync,
      credentials: options.credentials,
      dependsOn: [CLUSTER_STEP],
    }),
    fluxReadyStep({
      client: clientSource,
      manifests: inputs.flux,
      sync,
      revision: (ctx) => ctx.outputOf<FleetOutput>(FLEET_STEP)?.revision,
      dependsOn: [FLUX_STEPS.sync, FLEET_STEP],
      intervalMs: options.pollMs ?? 2000,
    }),
    workloadsReadyStep(clientSource, [FLUX_STEPS.ready, ...inCluster], options.pollMs ?? 2000),
  ];
  return {
    plan: buildPlan('bootstrap', steps),
    files,
    path: rendered.path,
    sync,
    close: () => client?.close(),
  };
}
