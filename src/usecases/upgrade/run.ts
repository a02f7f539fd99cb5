/**
 * `gitops upgrade --cluster <name|pattern> --profile <name>@<version>`: moves clusters to another
 * version of their profile through Git alone, one commit per cluster, with no AWS call (so no AWS
 * credentials). prepare.ts reads and checks every move first; then a plan of one step per
 * cluster: it observes by building the change against the branch tip (nothing to commit when the
 * cluster is there already, and a dry run stops at that), and applies under the cluster's lease by
 * publishing it, rebuilt against each attempt's tip so a concurrent commit is kept.
 */
import type { FleetTree } from '../../integrations/git/edit.js';
import { clusterLease } from '../../integrations/git/lease.js';
import { type FleetPushOutput, fleetPushStep } from '../../integrations/git/steps.js';
import { clusterChange } from '../../integrations/profiles/fleet-change.js';
import { CLUSTER_VALUES_FILE } from '../../integrations/profiles/cluster-values.js';
import { sharedFolder } from '../../integrations/profiles/layout.js';
import {
  checkAwsNeeds,
  clusterPosition,
  neededBefore,
  renderUpgraded,
} from '../../integrations/profiles/upgrade.js';
import { parseUpgradeTarget } from '../../integrations/profiles/upgrade-target.js';
import type { Reconciler } from '../../integrations/reconciler/reconciler.js';
import { userError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { buildPlan, type Step, stepRef } from '../../primitives/plan.js';
import { runPlan, type StepDocument, stepDocuments } from '../../primitives/runner.js';
import type { Clients } from '../clients.js';
import { type PlannedMove, prepareMoves } from './prepare.js';

export interface UpgradeRequest {
  /** No AWS clients: an upgrade never calls AWS. */
  clients: Pick<Clients, 'reconciler' | 'env'>;
  fleet: { url: string; branch: string };
  /** A cluster name or a pattern (`staging-*`). */
  clusters: string;
  /** `<name>@<version>`, a folder or a git URL (upgrade-target.ts). */
  profile: string;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  /** Steps run at once (GITOPS_CONCURRENCY). */
  concurrency?: number;
}

export interface UpgradeClusterDocument {
  cluster: string;
  path: string;
  from: { name: string; version: string };
  to: { name: string; version: string; source: string; folder: string };
  /** moved: committed; would-move: a dry run found a change; unchanged: already there. */
  state: 'moved' | 'would-move' | 'unchanged' | 'failed' | 'skipped';
  revision?: string;
}

export interface UpgradeDocument {
  ok: boolean;
  dryRun: boolean;
  fleet: { url: string; branch: string };
  clusters: UpgradeClusterDocument[];
  steps: StepDocument[];
  nextSteps: string[];
  error?: { code: string; message: string; hint?: string };
}

export async function runUpgrade(req: UpgradeRequest): Promise<UpgradeDocument> {
  const { env, reconciler } = req.clients;
  const target = parseUpgradeTarget(req.profile);
  const moves = await prepareMoves({
    url: req.fleet.url,
    branch: req.fleet.branch,
    clusters: req.clusters,
    target,
    env,
    signal: req.signal,
  });
  for (const m of moves) {
    emit(req.sink, {
      type: 'info',
      code: 'GITOPS_UPGRADE',
      message: `${m.cluster}: ${m.from.name}@${m.from.version} -> ${m.to.profile.name}@${m.to.profile.version} (${m.to.source.ref}); what it needs from AWS is the same`,
    });
  }
  const steps = moves.map((m) => moveStep(req, m, reconciler));
  const report = await runPlan(buildPlan('upgrade', steps), {
    sink: req.sink,
    signal: req.signal,
    deadline: req.deadline,
    dryRun: req.dryRun,
    concurrency: req.concurrency ?? 4,
  });
  const documents = stepDocuments(report);
  const clusters = moves.map((m): UpgradeClusterDocument => {
    const step = report.steps.find((s) => s.id === stepId(m.cluster));
    const output = report.output(stepRef<FleetPushOutput>(stepId(m.cluster)));
    const state =
      step?.result === 'updated'
        ? 'moved'
        : step?.result === 'would-change'
          ? 'would-move'
          : step?.result === 'unchanged'
            ? 'unchanged'
            : step?.result === 'failed'
              ? 'failed'
              : 'skipped';
    return {
      cluster: m.cluster,
      path: m.position.path,
      from: m.from,
      to: {
        name: m.to.profile.name,
        version: m.to.profile.version,
        source: m.to.source.ref,
        folder: sharedFolder(m.to.profile.name, m.to.profile.version),
      },
      state,
      ...(output?.revision && state !== 'would-move' ? { revision: output.revision } : {}),
    };
  });
  return {
    ok: report.ok,
    dryRun: req.dryRun,
    fleet: req.fleet,
    clusters,
    steps: documents,
    nextSteps: req.dryRun
      ? ['run again without --dry-run to commit the moves']
      : clusters.map((c) => `gitops status --cluster ${c.cluster}`),
    ...(report.error ? { error: report.error.toJSON() } : {}),
  };
}

function stepId(cluster: string): string {
  return `fleet:upgrade:${cluster}`;
}

function moveStep(req: UpgradeRequest, move: PlannedMove, reconciler: Reconciler): Step<FleetPushOutput> {
  const { env } = req.clients;
  const path = move.position.path;
  const to = move.to;
  const inner = fleetPushStep({
    id: stepId(move.cluster),
    title: `Move ${move.cluster} to ${to.profile.name}@${to.profile.version}`,
    write: () => ({
      url: req.fleet.url,
      branch: req.fleet.branch,
      path,
      change: (tip: FleetTree) => changeAt(tip, move, reconciler, env, req.signal),
      message: `gitops: upgrade ${move.cluster} to profile ${to.profile.name}@${to.profile.version}`,
      env,
    }),
  });
  return {
    ...inner,
    async apply(ctx, observation) {
      const lease = await clusterLease({
        url: req.fleet.url,
        cluster: move.cluster,
        operation: 'upgrade',
        signal: ctx.signal,
        sink: ctx.sink,
        env,
      });
      try {
        const signal = lease ? AbortSignal.any([ctx.signal, lease.lost]) : ctx.signal;
        return await inner.apply({ ...ctx, signal }, observation);
      } finally {
        await lease?.release();
      }
    },
  };
}

/**
 * The move against one tip: read again there (a commit since prepare may have moved the cluster
 * or changed its spec), checked again, rendered on the target version, and made as bootstrap makes
 * its fleet change, leaving the reconciler's own files and the provisioning outputs as they are.
 */
async function changeAt(
  tip: FleetTree,
  move: PlannedMove,
  reconciler: Reconciler,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
) {
  const path = move.position.path;
  const position = await clusterPosition(tip, path, move.cluster);
  checkAwsNeeds(move.cluster, position.profile, move.to, await neededBefore(tip, position, { env, signal }));
  const componentsFile = `${path}/${reconciler.manifestsFile}`;
  const components = await tip.read(componentsFile);
  if (components === undefined) {
    throw userError('GITOPS_NOT_FOUND', `${componentsFile} is not in the fleet repository`, {
      hint: `run gitops bootstrap --cluster ${move.cluster} first`,
    });
  }
  const kinds = reconciler.apiKinds(reconciler.recordedManifests(components, componentsFile));
  const rendered = renderUpgraded(position, move.to, { name: reconciler.name, kinds });
  const outputs =
    (await tip.read(`${path}/${CLUSTER_VALUES_FILE}`)) === undefined ? [] : [CLUSTER_VALUES_FILE];
  return clusterChange({
    rendered,
    reconcilerFiles: reconciler.layerFiles({
      layers: rendered.layers,
      values: rendered.values,
      resources: outputs,
      kinds,
      // The alerts the cluster's spec asks for stay as bootstrap wrote them.
      ...(position.spec.alerts ? { alerts: { provider: position.spec.alerts.provider } } : {}),
    }),
    migrateCommand: `gitops migrate --cluster ${move.cluster}`,
  })(tip);
}
