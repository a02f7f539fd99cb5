/**
 * The bootstrap plan: one graph, so nothing waits needlessly.
 *
 *   fleet:publish ─────────────────────────────────────────────────┐
 *   aws:network, aws:iam:*, aws:ecr:* ── aws:cluster ─┬─ nodegroups, add-ons, access entries ─┐
 *                                                     ├─ kubeconfig:write                     │
 *                                                     └─ reconciler install ─ reconciler ready ┴─ workloads:ready
 * The reconciler goes in as soon as the API answers: it needs no nodes to accept objects; its
 * ready step also waits for the fleet push, since it must have applied that revision.
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { CLUSTER } from '../../integrations/aws/cluster.js';
import { provisionSteps } from '../../integrations/aws/provision.js';
import type { KubeClient } from '../../integrations/kube/client.js';
import { clusterChange } from '../../integrations/profiles/fleet-change.js';
import { commitMessage, type RenderedCluster, renderCluster } from '../../integrations/profiles/render.js';
import type {
  FleetLocation,
  InstallSteps,
  ReadCredentials,
  Reconciler,
} from '../../integrations/reconciler/reconciler.js';
import { buildPlan, type Plan, type StepContext } from '../../primitives/plan.js';
import { kubeClientForCluster } from '../connect.js';
import { type BootstrapInputs, migrateCommand } from './inputs.js';
import { FLEET, fleetPublishStep, kubeconfigStep, workloadsReadyStep } from './steps.js';

export interface BootstrapPlanOptions {
  aws: AwsClients;
  reconciler: Reconciler;
  credentials: ReadCredentials;
  /** The fleet URL as the reconciler reads it (checked at preflight). */
  sourceUrl: string;
  env: NodeJS.ProcessEnv;
  kubeconfigPath?: string;
  /** Poll interval of the reconciler and workload waits (2 s against AWS; less in the sandbox). */
  pollMs: number;
  signal?: AbortSignal;
}

export interface BootstrapPlan {
  plan: Plan;
  rendered: RenderedCluster;
  path: string;
  install: InstallSteps;
  /** Closes the cluster connection the plan opened, if any. */
  close(): void;
}

export function bootstrapPlan(inputs: BootstrapInputs, options: BootstrapPlanOptions): BootstrapPlan {
  const { aws, reconciler } = options;
  const spec = inputs.spec;
  const rendered = renderCluster({
    spec: inputs.requested,
    profile: inputs.profile,
    accountId: inputs.accountId,
    reconciler: { name: reconciler.name, kinds: reconciler.apiKinds(inputs.manifests) },
  });
  const location: FleetLocation = { url: options.sourceUrl, branch: spec.fleet.branch, path: rendered.path };
  const reconcilerFiles = {
    ...reconciler.fleetFiles(inputs.manifests, location),
    ...reconciler.layerFiles({ layers: rendered.layers, values: rendered.values }),
  };
  const change = clusterChange({
    rendered,
    reconcilerFiles,
    migrateCommand: migrateCommand(spec),
  });

  // One connection per run, opened when the cluster's endpoint is known.
  let client: KubeClient | undefined;
  const clientSource = (ctx: StepContext): KubeClient => {
    client ??= kubeClientForCluster(aws, ctx.need(CLUSTER), options.signal);
    return client;
  };

  const awsSteps = provisionSteps(spec, aws);
  const inCluster = awsSteps.map((s) => s.id).filter((id) => /^aws:(nodegroup|addon):/.test(id));
  const install = reconciler.installSteps({
    client: clientSource,
    manifests: inputs.manifests,
    location,
    credentials: options.credentials,
    dependsOn: [CLUSTER.id],
    revision: (ctx) => ctx.output(FLEET)?.revision,
    revisionDependsOn: [FLEET.id],
    layers: rendered.layers.map((l) => l.name),
    pollMs: options.pollMs,
  });
  const steps = [
    fleetPublishStep({
      url: spec.fleet.url,
      branch: spec.fleet.branch,
      path: rendered.path,
      change,
      message: commitMessage(spec.name, inputs.profile),
      env: options.env,
    }),
    ...awsSteps,
    kubeconfigStep(aws, {
      env: options.env,
      ...(options.kubeconfigPath === undefined ? {} : { path: options.kubeconfigPath }),
    }),
    ...install.steps,
    workloadsReadyStep({
      client: clientSource,
      reconciler,
      dependsOn: [install.ready.id, ...inCluster],
      intervalMs: options.pollMs,
    }),
  ];
  return {
    plan: buildPlan('bootstrap', steps),
    rendered,
    path: rendered.path,
    install,
    close: () => client?.close(),
  };
}
