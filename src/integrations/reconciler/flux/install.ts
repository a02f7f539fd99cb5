/**
 * Installing Flux as plan steps, so the bootstrap plan can run them as soon as the cluster's
 * API answers and re-run them safely:
 *   flux:components   the install manifests (namespace, CRDs, controllers), server-side applied
 *   flux:credentials  the Secret that lets source-controller read the fleet repo
 *   flux:alerts       the Secret that says where alerts go (its Provider comes from Git)
 *   flux:flagger-alerts  the Secret of chart values that sends Flagger's alerts there too
 *   flux:sync         GitRepository + Kustomization pointing at the cluster's folder
 * and, separately, a step that waits until Flux has applied a given revision.
 */
import { type Step, type StepContext, stepRef } from '../../../primitives/plan.js';
import { type ApplySetOutput, applySetStep, type ClientSource, clientFor } from '../../kube/apply-step.js';
import { parseManifests } from '../../kube/manifests.js';
import type { KubeObject, ObjectRef } from '../../kube/object.js';
import { type WaitTarget, waitForReady } from '../../kube/waiter.js';
import type { CredentialsOutput } from '../reconciler.js';
import type { AlertsDestination } from '../../../spec/alerts.js';
import { alertsSecretStep, flaggerAlertsSecretStep } from './alerts-step.js';
import { credentialsStep } from './credentials-step.js';
import type { GitCredentials } from './credentials.js';
import type { FluxManifests } from './manifests.js';
import { FLUX_NAMESPACE, type FluxSyncSpec, fluxSyncObjects } from './sync.js';
import { readinessOf } from '../../kube/readiness.js';

export const FLUX_STEPS = {
  components: stepRef<ApplySetOutput>('flux:components'),
  credentials: stepRef<CredentialsOutput>('flux:credentials'),
  alerts: stepRef<unknown>('flux:alerts'),
  flaggerAlerts: stepRef<unknown>('flux:flagger-alerts'),
  sync: stepRef<ApplySetOutput>('flux:sync'),
  ready: stepRef<{ revision?: string }>('flux:ready'),
  /** Image automation's Git write credential (bootstrap adds it for clusters that opted in). */
  imageAutomationCredentials: stepRef<unknown>('flux:image-automation-credentials'),
} as const;

export type ManifestsSource = FluxManifests | ((ctx: StepContext) => FluxManifests | Promise<FluxManifests>);

export interface FluxInstallOptions {
  client: ClientSource;
  manifests: ManifestsSource;
  sync: FluxSyncSpec;
  credentials: GitCredentials;
  /** Steps the first Flux step waits for (e.g. the one that makes the cluster API reachable). */
  dependsOn?: readonly string[];
  /** Steps that must be done before Flux is pointed at the fleet and starts the workloads. */
  syncDependsOn?: readonly string[];
  /** Where alerts go; undefined: none (a Secret left from before is deleted). */
  alerts?: AlertsDestination;
}

export function fluxInstallSteps(options: FluxInstallOptions): Step[] {
  const components: Step<ApplySetOutput> = applySetStep({
    id: FLUX_STEPS.components.id,
    title: 'Install Flux components',
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    client: options.client,
    objects: async (ctx) => await componentObjects(options.manifests, ctx),
  });
  const credentials: Step<CredentialsOutput> = credentialsStep({
    id: FLUX_STEPS.credentials.id,
    dependsOn: [FLUX_STEPS.components.id],
    client: options.client,
    sync: options.sync,
    credentials: options.credentials,
  });
  // Before the sync: the Provider Flux applies from Git finds its Secret from the first event.
  const alerts = alertsSecretStep({
    id: FLUX_STEPS.alerts.id,
    dependsOn: [FLUX_STEPS.components.id],
    client: options.client,
    alerts: options.alerts,
  });
  // Before the sync too: Flagger's first install already gets the values.
  const flaggerAlerts = flaggerAlertsSecretStep({
    id: FLUX_STEPS.flaggerAlerts.id,
    dependsOn: [FLUX_STEPS.components.id],
    client: options.client,
    alerts: options.alerts,
  });
  const sync: Step<ApplySetOutput> = applySetStep({
    id: FLUX_STEPS.sync.id,
    title: 'Point Flux at the fleet repo',
    dependsOn: [
      FLUX_STEPS.components.id,
      FLUX_STEPS.credentials.id,
      FLUX_STEPS.alerts.id,
      FLUX_STEPS.flaggerAlerts.id,
      ...(options.syncDependsOn ?? []),
    ],
    client: options.client,
    objects: () => fluxSyncObjects(options.sync),
  });
  return [components, credentials, alerts, flaggerAlerts, sync] as Step[];
}

export async function componentObjects(source: ManifestsSource, ctx: StepContext): Promise<KubeObject[]> {
  const manifests = typeof source === 'function' ? await source(ctx) : source;
  return parseManifests(manifests.text, manifests.location);
}

export interface FluxReadyOptions {
  client: ClientSource;
  manifests: ManifestsSource;
  sync: Pick<FluxSyncSpec, 'name' | 'namespace'>;
  /** The Git revision Flux must have applied (commit SHA); undefined: any Ready revision. */
  revision: (ctx: StepContext) => string | undefined;
  /** Layer Kustomizations (in flux-system) that must have applied the revision too. */
  layers?: readonly string[];
  dependsOn?: readonly string[];
  id?: string;
  /** Re-read interval (default 2 s). */
  intervalMs?: number;
}

/**
 * Waits for Flux's controllers to be available and the sync Kustomization to have applied the
 * revision. Changes nothing, so its result is `unchanged`; at the plan deadline it fails with
 * the list of what is not ready and why.
 */
export function fluxReadyStep(options: FluxReadyOptions): Step<{ revision?: string }> {
  const targets = async (ctx: StepContext): Promise<WaitTarget[]> => {
    const objects = await componentObjects(options.manifests, ctx);
    const controllers: WaitTarget[] = objects
      .filter((o) => o.kind === 'Deployment')
      .map((o) => ({ ref: refIn(o, FLUX_NAMESPACE) }));
    const name = options.sync.name ?? FLUX_NAMESPACE;
    const namespace = options.sync.namespace ?? FLUX_NAMESPACE;
    const revision = options.revision(ctx);
    const withRevision = revision === undefined ? {} : { revision };
    return [
      ...controllers,
      {
        ref: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name, namespace },
        ...withRevision,
      },
      {
        ref: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name, namespace },
        ...withRevision,
      },
      // Each layer is applied after the one before is ready, so the last one ready means all are.
      ...(options.layers ?? []).map((layer) => ({
        ref: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: layer, namespace },
        ...withRevision,
      })),
    ];
  };
  return {
    id: options.id ?? FLUX_STEPS.ready.id,
    title: 'Wait for Flux to apply the fleet repo',
    dependsOn: options.dependsOn ?? [FLUX_STEPS.sync.id],
    async observe(ctx) {
      const client = await clientFor(options.client, ctx);
      const states = await Promise.all(
        (await targets(ctx)).map(async (t) => {
          const live = await client.get(t.ref, ctx.signal);
          return live ? readinessOf(live, t) : { ready: false, reason: 'not found' };
        }),
      );
      const notReady = states.filter((s) => !s.ready).length;
      const revision = options.revision(ctx);
      return notReady === 0
        ? {
            inSync: true,
            summary: 'Flux is ready and in sync',
            output: revision === undefined ? {} : { revision },
          }
        : { inSync: false, summary: `${notReady} Flux objects not ready yet` };
    },
    async apply(ctx) {
      const client = await clientFor(options.client, ctx);
      const revision = options.revision(ctx);
      await waitForReady(client, await targets(ctx), {
        deadline: ctx.deadline,
        signal: ctx.signal,
        sink: ctx.sink,
        stepId: options.id ?? FLUX_STEPS.ready.id,
        intervalMs: options.intervalMs ?? 2000,
      });
      return {
        result: 'unchanged',
        summary: revision === undefined ? 'Flux is ready' : `Flux applied ${revision.slice(0, 12)}`,
        output: revision === undefined ? {} : { revision },
      };
    },
  };
}

function refIn(obj: KubeObject, defaultNamespace: string): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? defaultNamespace,
  };
}
