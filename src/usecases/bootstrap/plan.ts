/**
 * The bootstrap plan: one graph, so nothing waits needlessly.
 *
 *   aws:network ── fleet:publish ──────────────────────────────────┐
 *   aws:network, aws:iam:*, aws:ecr:* ── aws:cluster ─┬─ nodegroups, add-ons, access entries ─┐
 *                                                     ├─ kubeconfig:write                     │
 *                                                     └─ reconciler install ─ reconciler ready ┴─ workloads:ready
 * The reconciler goes in as soon as the API answers: it needs no nodes to accept objects; its
 * ready step also waits for the fleet push, since it must have applied that revision. Pointing it
 * at the fleet waits for the Pod Identity agent and associations, so the workloads it starts get
 * their credentials, and for the profile's generated Secrets (cluster:secrets). The fleet push
 * waits for the network: the VPC id goes into cluster-values.
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { bucketRef } from '../../integrations/aws/buckets.js';
import { CLUSTER } from '../../integrations/aws/cluster.js';
import { partitionOf } from '../../integrations/aws/iam.js';
import { NETWORK } from '../../integrations/aws/network/steps.js';
import { identityReadySteps, provisionSteps } from '../../integrations/aws/provision.js';
import type { KubeClient } from '../../integrations/kube/client.js';
import { clusterChange } from '../../integrations/profiles/fleet-change.js';
import { CLUSTER_SPEC_FILE } from '../../integrations/profiles/layout.js';
import { commitMessage, renderCluster } from '../../integrations/profiles/render.js';
import { generatedSecretsStep } from '../../integrations/profiles/secrets-step.js';
import type {
  FleetLocation,
  InstallSteps,
  ReadCredentials,
  Reconciler,
  WriteCredentials,
} from '../../integrations/reconciler/reconciler.js';
import type { AlertsDestination } from '../../spec/alerts.js';
import { imageAutomationPart } from './image-automation.js';
import { buildPlan, type Plan, type StepContext } from '../../primitives/plan.js';
import { kubeClientForCluster } from '../connect.js';
import { type BootstrapInputs, migrateCommand } from './inputs.js';
import { FLEET, fleetPublishStep, kubeconfigStep, workloadsReadyStep } from './steps.js';

export interface BootstrapPlanOptions {
  aws: AwsClients;
  reconciler: Reconciler;
  credentials: ReadCredentials;
  /** Image automation's write credential (spec imageAutomation); undefined keeps the cluster's. */
  imageCredentials?: WriteCredentials;
  /** The fleet URL as the reconciler reads it (checked at preflight). */
  sourceUrl: string;
  env: NodeJS.ProcessEnv;
  kubeconfigPath?: string;
  /** Poll interval of the reconciler and workload waits (2 s against AWS; less in the sandbox). */
  pollMs: number;
  /** Where alerts go (the spec's alerts.provider with the address from the environment). */
  alerts?: AlertsDestination;
  signal?: AbortSignal;
}

export interface BootstrapPlan {
  plan: Plan;
  path: string;
  install: InstallSteps;
  /** Closes the cluster connection the plan opened, if any. */
  close(): void;
}

export function bootstrapPlan(inputs: BootstrapInputs, options: BootstrapPlanOptions): BootstrapPlan {
  const { aws, reconciler } = options;
  const spec = inputs.spec;
  // Rendered once up front so a profile that cannot render fails before anything runs; the
  // files pushed are rendered again with the provisioning outputs (cluster-values.yaml).
  const kinds = reconciler.apiKinds(inputs.manifests);
  const rendered = renderCluster({
    spec: inputs.requested,
    profile: inputs.profile,
    accountId: inputs.accountId,
    reconciler: { name: reconciler.name, kinds },
  });
  const location: FleetLocation = { url: options.sourceUrl, branch: spec.fleet.branch, path: rendered.path };
  const images = imageAutomationPart(inputs, rendered, reconciler, options.sourceUrl);
  const change = (ctx: StepContext) => {
    const network = ctx.need(NETWORK);
    const withValues = renderCluster({
      spec: inputs.requested,
      profile: inputs.profile,
      accountId: inputs.accountId,
      reconciler: { name: reconciler.name, kinds },
      clusterValues: {
        clusterName: spec.name,
        region: spec.region,
        accountId: inputs.accountId,
        partition: partitionOf(spec.region),
        ...(network.vpcId === undefined ? {} : { vpcId: network.vpcId }),
      },
    });
    return clusterChange({
      rendered: { ...withValues, teamFiles: { ...withValues.teamFiles, ...images?.teamFiles } },
      reconcilerFiles: {
        ...reconciler.fleetFiles(inputs.manifests, location, options.credentials),
        ...images?.files,
        ...reconciler.layerFiles({
          layers: withValues.layers,
          values: withValues.values,
          kinds,
          ...(inputs.requested.alerts ? { alerts: { provider: inputs.requested.alerts.provider } } : {}),
          // The cluster's own files the root applies beside the layers (the provisioning outputs,
          // image automation's objects and the images it commits to).
          resources: [
            ...Object.keys(withValues.files).filter((f) => f !== CLUSTER_SPEC_FILE),
            ...Object.keys(images?.files ?? {}),
            ...Object.keys(images?.teamFiles ?? {}),
          ],
          ...(images ? { overrides: images.overrides } : {}),
        }),
      },
      migrateCommand: migrateCommand(spec),
    });
  };

  // One connection per run, opened when the cluster's endpoint is known.
  let client: KubeClient | undefined;
  const clientSource = (ctx: StepContext): KubeClient => {
    client ??= kubeClientForCluster(aws, ctx.need(CLUSTER), options.env, options.signal);
    return client;
  };

  const awsSteps = provisionSteps(spec, aws, inputs.identities, inputs.buckets);
  const declared = inputs.profile.profile.secrets;
  const secrets =
    declared.length === 0
      ? []
      : [generatedSecretsStep({ client: clientSource, secrets: declared, dependsOn: [CLUSTER.id] })];
  const inCluster = awsSteps.map((s) => s.id).filter((id) => /^aws:(nodegroup|addon):/.test(id));
  const install = reconciler.installSteps({
    client: clientSource,
    manifests: inputs.manifests,
    location,
    credentials: options.credentials,
    // A Flux controller with a role of its own (image-reflector-controller reading ECR) gets
    // credentials only if its pod starts after the association: Flux waits for them then.
    dependsOn: inputs.identities.some((i) => i.namespace === reconciler.namespace)
      ? [CLUSTER.id, ...identityReadySteps(awsSteps)]
      : [CLUSTER.id],
    // The workloads read the generated Secrets: a pod started without one would fail until it is there.
    // And the buckets they keep data in.
    syncDependsOn: [
      ...identityReadySteps(awsSteps),
      ...secrets.map((s) => s.id),
      ...inputs.buckets.map((b) => bucketRef(b.logical).id),
    ],
    revision: (ctx) => ctx.output(FLEET)?.revision,
    revisionDependsOn: [FLEET.id],
    layers: rendered.layers.map((l) => l.name),
    pollMs: options.pollMs,
    ...(options.alerts ? { alerts: options.alerts } : {}),
  });
  const steps = [
    fleetPublishStep(rendered.path, [NETWORK.id], (ctx) => ({
      url: spec.fleet.url,
      branch: spec.fleet.branch,
      path: rendered.path,
      change: change(ctx),
      message: commitMessage(spec.name, inputs.profile),
      env: options.env,
    })),
    ...awsSteps,
    ...secrets,
    kubeconfigStep(aws, {
      env: options.env,
      ...(options.kubeconfigPath === undefined ? {} : { path: options.kubeconfigPath }),
    }),
    ...install.steps,
    ...(images
      ? [
          reconciler.imageAutomationStep({
            dependsOn: [install.credentials.id],
            client: clientSource,
            credentials: options.imageCredentials,
          }),
        ]
      : []),
    workloadsReadyStep({
      client: clientSource,
      reconciler,
      dependsOn: [install.ready.id, ...inCluster],
      intervalMs: options.pollMs,
    }),
  ];
  return {
    plan: buildPlan('bootstrap', steps),
    path: rendered.path,
    install,
    close: () => client?.close(),
  };
}
