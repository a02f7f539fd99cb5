/**
 * The bootstrap use case: prepare (spec, profile, account, Flux manifests), show the plan and
 * get a go-ahead, run it, and describe the result: everything a developer needs next.
 */
import { clusterLease } from '../../integrations/git/lease.js';
import { withoutCredentials } from '../../integrations/git/url.js';
import type { GitopsError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { type PlanReport, runPlan, type StepDocument, stepDocuments } from '../../primitives/runner.js';
import type { RequestedSpec } from '../../spec/schema.js';
import {
  ALERTS_ADDRESS_ENV,
  type AlertsDestination,
  type AlertsSecrets,
  alertsDestination,
} from '../../spec/alerts.js';
import { userError } from '../../primitives/errors.js';
import { CLUSTER } from '../../integrations/aws/cluster.js';
import { CI } from '../../integrations/aws/ci-role.js';
import { ecrRef } from '../../integrations/aws/ecr.js';
import type { Clients } from '../clients.js';
import { type BootstrapInputs, prepareBootstrap, requestedSpec, type SpecRequest } from './inputs.js';
import { type BootstrapPlan, bootstrapPlan } from './plan.js';
import { type LocalInputs, localPreflight, readLocalManifests, readLocalProfile } from './preflight.js';
import { FLEET, KUBECONFIG } from './steps.js';

export interface LocalOptions {
  kubeconfigPath?: string | undefined;
  /** --allow-insecure-http (or GITOPS_ALLOW_INSECURE_HTTP): plain http fleet URLs are accepted. */
  allowInsecureHttp: boolean;
  reconcilerManifests?: string | undefined;
  /** GITOPS_ALERTS_ADDRESS / GITOPS_ALERTS_TOKEN as the CLI read them (used with `alerts:`). */
  alertSecrets?: AlertsSecrets | undefined;
  /** Where the note about the manifests read from --reconciler-manifests goes. */
  sink?: EventSink | undefined;
}

/**
 * The spec to bootstrap and the URL the reconciler will read, with every local check made before
 * any remote call: flags and files (exit 2), a fleet URL the reconciler cannot use, a missing
 * file named by a flag that is missing or not what it should be (read here and handed on in
 * `local`). With --from-git the spec is read from the fleet repository, after the URL itself and
 * --reconciler-manifests passed the same checks.
 */
export async function bootstrapSpec(
  request: SpecRequest,
  clients: Pick<Clients, 'reconciler' | 'env'>,
  options: LocalOptions & { signal?: AbortSignal },
): Promise<{ requested: RequestedSpec; sourceUrl: string; alerts?: AlertsDestination; local: LocalInputs }> {
  const checks = { reconciler: clients.reconciler, env: clients.env, ...options };
  // Read before the spec, which --from-git reads remotely; labelled with its version below.
  const manifests = await readLocalManifests(clients.reconciler, options.reconcilerManifests, {
    version: request.flags.fluxVersion ?? '',
    env: clients.env,
    sink: options.sink,
  });
  if (request.fromGit !== undefined) {
    await localPreflight(
      { fleet: { url: request.fromGit.url, branch: request.fromGit.branch ?? 'main' } },
      checks,
    );
  }
  const requested = await requestedSpec(request, {
    env: clients.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const sourceUrl = await localPreflight(requested, checks);
  const profile = await readLocalProfile(requested.profile.source, {
    env: clients.env,
    signal: options.signal,
  });
  const alerts = alertsDestination(requested.alerts, options.alertSecrets ?? {});
  const local: LocalInputs = {
    ...(manifests ? { manifests: { ...manifests, version: requested.reconciler.version } } : {}),
    ...(profile ? { profile } : {}),
  };
  return { requested, sourceUrl, ...(alerts ? { alerts } : {}), local };
}

export interface BootstrapRequest {
  requested: RequestedSpec;
  /** The fleet URL as the reconciler reads it (from bootstrapSpec). */
  sourceUrl: string;
  /** Where the spec came from (gitops.yaml, cluster.yaml), for messages about its identities. */
  specSource?: string | undefined;
  /** Where alerts go (from bootstrapSpec): handed to the reconciler as a Secret, never to Git. */
  alerts?: AlertsDestination | undefined;
  clients: Clients;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  reconcilerManifests?: string | undefined;
  /** What bootstrapSpec read from this machine (so that it is not read again after remote calls). */
  local?: LocalInputs | undefined;
  releaseBaseUrl?: string | undefined;
  kubeconfigPath?: string | undefined;
  concurrency?: number | undefined;
  pollMs: number;
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
    kind: string;
    version: string;
    /** What the manifests are when they say they are not a release (the sandbox's): shown instead of the version. */
    notARelease?: string;
    manifestsSha256: string;
    verification: string;
    origin: string;
  };
  kubeconfig?: { path: string; context: string };
  ecrRepositories: { name: string; uri: string }[];
  /** The CI role GitHub Actions of these repositories assume (`ci` in the spec). */
  ci?: { role?: string; repositories: string[]; subjects: string[] };
  deployKey?: { publicKey: string; note: string };
  steps: StepDocument[];
  durationMs: number;
  nextSteps: string[];
  error?: { code: string; message: string; hint?: string };
}

export async function runBootstrap(req: BootstrapRequest): Promise<BootstrapResult> {
  const started = Date.now();
  if (req.requested.alerts && req.alerts?.provider !== req.requested.alerts.provider) {
    // bootstrapSpec gives the destination; without it the Provider in Git would have no Secret.
    throw userError(
      'GITOPS_BAD_INPUT',
      `--alerts ${req.requested.alerts.provider}: ${ALERTS_ADDRESS_ENV} is not set`,
    );
  }
  const { aws, reconciler, env } = req.clients;
  emit(req.sink, {
    type: 'info',
    code: 'GITOPS_INPUTS',
    message: `resolving profile ${withoutCredentials(req.requested.profile.source)}, AWS identity and ${reconciler.name} ${req.requested.reconciler.version} manifests`,
  });
  const inputs = await prepareBootstrap(req.requested, {
    aws,
    reconciler,
    env,
    sink: req.sink,
    signal: req.signal,
    ...(req.specSource ? { specSource: req.specSource } : {}),
    ...(req.reconcilerManifests ? { reconcilerManifests: req.reconcilerManifests } : {}),
    ...(req.local ? { local: req.local } : {}),
    ...(req.releaseBaseUrl ? { releaseBaseUrl: req.releaseBaseUrl } : {}),
  });
  const credentials = await reconciler.readCredentials(inputs.spec.fleet.url, env);
  const imageCredentials = inputs.spec.imageAutomation
    ? await reconciler.imageAutomationCredentials(inputs.spec.fleet.url, env)
    : undefined;
  const built = bootstrapPlan(inputs, {
    aws,
    reconciler,
    credentials,
    ...(imageCredentials ? { imageCredentials } : {}),
    sourceUrl: req.sourceUrl,
    env,
    pollMs: req.pollMs,
    ...(req.alerts ? { alerts: req.alerts } : {}),
    signal: req.signal,
    ...(req.kubeconfigPath ? { kubeconfigPath: req.kubeconfigPath } : {}),
  });
  // One run at a time per cluster, across machines: a lease in the fleet repo
  // (src/integrations/git/lease.ts), taken once the read-only preparation is done; a dry run
  // changes nothing and takes none.
  const lease = req.dryRun
    ? undefined
    : await clusterLease({
        url: inputs.spec.fleet.url,
        cluster: inputs.spec.name,
        operation: 'bootstrap',
        signal: req.signal,
        sink: req.sink,
        env,
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
      if (!preview.ok) return finish(inputs, preview, started, built, reconciler.name);
      if (!(await req.confirm(preview))) {
        const result = finish(inputs, preview, started, built, reconciler.name);
        return { ...result, ok: false, cancelled: true };
      }
    }
    const report = await run(req.dryRun);
    return finish(inputs, report, started, built, reconciler.name);
  } finally {
    built.close();
    await lease?.release();
  }
}

function finish(
  inputs: BootstrapInputs,
  report: PlanReport,
  started: number,
  built: BootstrapPlan,
  reconcilerName: string,
): BootstrapResult {
  const path = built.path;
  const spec = inputs.spec;
  const cluster = report.output(CLUSTER);
  const fleet = report.output(FLEET);
  const kubeconfig = report.output(KUBECONFIG);
  const creds = report.output(built.install.credentials);
  const ci = report.output(CI);
  const registry = `${inputs.accountId}.dkr.ecr.${spec.region}.amazonaws.com`;
  const ecr = spec.ecrRepositories.map((r) => {
    const out = report.output(ecrRef(r.name));
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
      kind: reconcilerName,
      version: inputs.manifests.version,
      ...(inputs.manifests.notARelease ? { notARelease: inputs.manifests.notARelease } : {}),
      manifestsSha256: inputs.manifests.sha256,
      verification: inputs.manifests.verification,
      origin: inputs.manifests.origin,
    },
    ...(kubeconfig ? { kubeconfig } : {}),
    ecrRepositories: ecr,
    ...(spec.ci
      ? {
          ci: {
            ...(ci?.roleArn ? { role: ci.roleArn } : {}),
            repositories: spec.ci.github.repositories,
            subjects: ci?.subjects ?? [],
          },
        }
      : {}),
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
            ...(spec.ci
              ? [
                  `gitops ci workflow --cluster ${spec.name} --region ${spec.region} > .github/workflows/image.yaml`,
                ]
              : []),
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
