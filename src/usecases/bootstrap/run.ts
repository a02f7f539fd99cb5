/**
 * The bootstrap use case: prepare (spec, profile, account, Flux manifests), show the plan and
 * get a go-ahead, run it, and describe the result: everything a developer needs next.
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import type { ClusterOutput } from '../../integrations/aws/cluster.js';
import type { EcrOutput } from '../../integrations/aws/ecr.js';
import type { CredentialsOutput } from '../../integrations/reconciler/flux/credentials-step.js';
import { clusterLease } from '../../integrations/git/lease.js';
import { withoutCredentials } from '../../integrations/git/url.js';
import { FLUX_STEPS } from '../../integrations/reconciler/flux/install.js';
import type { GitopsError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { type PlanReport, runPlan, type StepDocument, stepDocuments } from '../../primitives/runner.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { fluxCredentialsFor } from './git-credentials.js';
import { type BootstrapInputs, prepareBootstrap } from './inputs.js';
import { bootstrapPlan } from './plan.js';
import { preflight } from './preflight.js';
import { FLEET_STEP, type FleetOutput, KUBECONFIG_STEP, type KubeconfigOutput } from './steps.js';

export interface BootstrapRequest {
  requested: ClusterSpec;
  aws: AwsClients;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  reconcilerManifests?: string;
  fluxReleaseBaseUrl?: string;
  kubeconfigPath?: string;
  concurrency?: number;
  pollMs?: number;
  /**
   * Called with the dry-run report before anything changes; false stops the run (nothing
   * changed). Not called for --dry-run or when the caller already has consent (--yes).
   */
  confirm?: (preview: PlanReport) => Promise<boolean>;
}

export interface BootstrapResult {
  ok: boolean;
  dryRun: boolean;
  cancelled: boolean;
  report: PlanReport;
  inputs: BootstrapInputs;
  document: BootstrapDocument;
  error?: GitopsError;
}

export interface BootstrapDocument {
  ok: boolean;
  dryRun: boolean;
  cluster: { name: string; region: string; kubernetesVersion: string; endpoint?: string; arn?: string };
  profile: { name: string; version: string; source: string; revision?: string };
  fleet: { url: string; branch: string; path: string; revision?: string; committed?: boolean };
  reconciler: {
    kind: 'flux';
    version: string;
    manifestsSha256: string;
    verification: string;
    origin: string;
  };
  kubeconfig?: { path: string; context: string };
  ecrRepositories: { name: string; uri: string }[];
  deployKey?: { publicKey: string; note: string };
  steps: StepDocument[];
  durationMs: number;
  nextSteps: string[];
  error?: { code: string; message: string; hint?: string };
}

export async function runBootstrap(req: BootstrapRequest): Promise<BootstrapResult> {
  const started = Date.now();
  emit(req.sink, {
    type: 'info',
    message: `resolving profile ${withoutCredentials(req.requested.profile.source)}, AWS identity and Flux ${req.requested.reconciler.version} manifests`,
  });
  const inputs = await prepareBootstrap(req.requested, {
    aws: req.aws,
    sink: req.sink,
    signal: req.signal,
    ...(req.reconcilerManifests ? { reconcilerManifests: req.reconcilerManifests } : {}),
    ...(req.fluxReleaseBaseUrl ? { fluxReleaseBaseUrl: req.fluxReleaseBaseUrl } : {}),
  });
  if (inputs.flux.verification === 'first-seen') {
    emit(req.sink, {
      type: 'warning',
      code: 'FLUX_CHECKSUM_UNPINNED',
      message: `Flux ${inputs.flux.version} has no published checksum pinned in gitops; recording sha256 ${inputs.flux.sha256} in the fleet repo, and later downloads must match it`,
    });
  }
  await preflight(inputs.spec, req.aws, { kubeconfigPath: req.kubeconfigPath, env: req.env });
  const credentials = await fluxCredentialsFor(inputs.spec.fleet.url, req.env);
  const built = bootstrapPlan(inputs, {
    aws: req.aws,
    credentials,
    ...(req.kubeconfigPath ? { kubeconfigPath: req.kubeconfigPath } : {}),
    ...(req.pollMs ? { pollMs: req.pollMs } : {}),
  });
  // One run at a time per cluster, across machines: a lease in the fleet repo (src/git/lease.ts),
  // taken once the read-only preparation is done; a dry run changes nothing and takes none.
  const lease = req.dryRun
    ? undefined
    : await clusterLease({
        url: inputs.spec.fleet.url,
        cluster: inputs.spec.name,
        operation: 'bootstrap',
        signal: req.signal,
        sink: req.sink,
        env: req.env,
      }).catch((e: unknown) => {
        built.close();
        throw e;
      });
  // Losing the lease mid-run stops new steps the way Ctrl-C does, with the reason as the error.
  const signal = lease ? AbortSignal.any([req.signal, lease.lost]) : req.signal;
  const run = (dryRun: boolean) =>
    runPlan(built.plan, {
      sink: req.sink,
      signal,
      deadline: req.deadline,
      dryRun,
      concurrency: req.concurrency ?? 16,
    });
  try {
    if (!req.dryRun && req.confirm) {
      const preview = await run(true);
      if (!preview.ok) return finish(inputs, preview, started, built.path);
      if (!(await req.confirm(preview))) {
        const result = finish(inputs, preview, started, built.path);
        return { ...result, ok: false, cancelled: true };
      }
    }
    const report = await run(req.dryRun);
    return finish(inputs, report, started, built.path);
  } finally {
    built.close();
    await lease?.release();
  }
}

function finish(inputs: BootstrapInputs, report: PlanReport, started: number, path: string): BootstrapResult {
  const spec = inputs.spec;
  const cluster = report.outputs.get('aws:cluster') as ClusterOutput | undefined;
  const fleet = report.outputs.get(FLEET_STEP) as FleetOutput | undefined;
  const kubeconfig = report.outputs.get(KUBECONFIG_STEP) as KubeconfigOutput | undefined;
  const creds = report.outputs.get(FLUX_STEPS.credentials) as CredentialsOutput | undefined;
  const registry = `${inputs.accountId}.dkr.ecr.${spec.region}.amazonaws.com`;
  const ecr = spec.ecrRepositories.map((r) => {
    const out = report.outputs.get(`aws:ecr:${r.name}`) as EcrOutput | undefined;
    return { name: r.name, uri: out?.uri ?? `${registry}/${r.name}` };
  });
  const document: BootstrapDocument = {
    ok: report.ok,
    dryRun: report.dryRun,
    cluster: {
      name: spec.name,
      region: spec.region,
      kubernetesVersion: spec.kubernetesVersion,
      ...(cluster?.endpoint ? { endpoint: cluster.endpoint } : {}),
      ...(cluster?.arn ? { arn: cluster.arn } : {}),
    },
    profile: {
      name: inputs.profile.profile.name,
      version: inputs.profile.profile.version,
      source: inputs.profile.source.ref,
      ...(inputs.profile.source.revision ? { revision: inputs.profile.source.revision } : {}),
    },
    fleet: {
      url: spec.fleet.url,
      branch: spec.fleet.branch,
      path,
      ...(fleet?.revision ? { revision: fleet.revision } : {}),
      ...(fleet ? { committed: fleet.committed } : {}),
    },
    reconciler: {
      kind: 'flux',
      version: inputs.flux.version,
      manifestsSha256: inputs.flux.sha256,
      verification: inputs.flux.verification,
      origin: inputs.flux.origin,
    },
    ...(kubeconfig ? { kubeconfig } : {}),
    ecrRepositories: ecr,
    ...(creds?.publicKey
      ? {
          deployKey: {
            publicKey: creds.publicKey,
            note: 'add this key to the fleet repository as a read-only deploy key',
          },
        }
      : {}),
    steps: stepDocuments(report),
    durationMs: Date.now() - started,
    nextSteps:
      report.ok && !report.dryRun
        ? [
            `kubectl --context ${kubeconfig?.context ?? `${spec.name}.${spec.region}`} get nodes`,
            `gitops status --cluster ${spec.name} --region ${spec.region}`,
            `change the cluster through Git: ${spec.fleet.url} (${path})`,
          ]
        : report.dryRun
          ? [`run again without --dry-run to apply`]
          : [`fix the error above, then run the same command again: finished steps are kept`],
    ...(report.error ? { error: report.error.toJSON() } : {}),
  };
  return {
    ok: report.ok,
    dryRun: report.dryRun,
    cancelled: false,
    report,
    inputs,
    document,
    ...(report.error ? { error: report.error } : {}),
  };
}
