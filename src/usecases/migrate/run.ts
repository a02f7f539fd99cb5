/**
 * `gitops migrate --cluster <c>`: converts a cluster folder written by gitops before layers into
 * the layered layout (convert.ts), keeping the team's edits as overlay patches, in one commit.
 * When the cluster is running, what Flux applied from the old folder is kept from being pruned
 * while it moves to the layer syncs (the reconciler's protectFromPrune), and let go once they have
 * applied the commit. A folder already converted only has that protection finished.
 */
import { readFile } from 'node:fs/promises';
import { type FleetHistory, openFleetHistory } from '../../integrations/git/history.js';
import { publishFleet } from '../../integrations/git/fleet.js';
import { clusterLease } from '../../integrations/git/lease.js';
import type { EksCluster } from '../../integrations/aws/ports.js';
import type { KubeClient } from '../../integrations/kube/client.js';
import type { FleetLocation } from '../../integrations/reconciler/reconciler.js';
import { systemError, userError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import { abortError } from '../../primitives/wait.js';
import type { Clients } from '../clients.js';
import { connect } from '../connect.js';
import { convert } from './convert.js';

export interface MigrateRequest {
  clients: Clients;
  cluster: string;
  /** --git-url, --git-branch, --git-path; else where the running cluster syncs from. */
  fleet: Partial<FleetLocation>;
  kubeconfig?: string | undefined;
  sink: EventSink;
  signal: AbortSignal;
  deadline: number;
  dryRun: boolean;
  pollMs: number;
}

export interface MigrateDocument {
  ok: boolean;
  dryRun: boolean;
  /** converted: this run converted it; already: it was in the layered layout. */
  state: 'converted' | 'would-convert' | 'already';
  cluster: string;
  fleet: FleetLocation & { revision?: string; committed?: boolean };
  profile?: { name: string; version: string };
  /** The team's edits of the earlier layout and where each now is. */
  edits: { object: string; change: string; layer: string; file: string }[];
  /** Objects kept from Flux's pruning while they moved, and released afterwards. */
  handover: { protected: number; released: number; pending: boolean };
  nextSteps: string[];
}

export async function runMigrate(req: MigrateRequest): Promise<MigrateDocument> {
  const { aws, reconciler, env } = req.clients;
  const connection = await connect(aws, req.cluster, { signal: req.signal, kubeconfig: req.kubeconfig, env });
  const client = connection.client;
  try {
    const live = client ? await reconciler.location(client, req.signal) : undefined;
    const url = req.fleet.url ?? live?.url;
    if (url === undefined) {
      throw userError(
        'GITOPS_BAD_INPUT',
        `cluster ${req.cluster} cannot say where its fleet repository is; pass --git-url`,
      );
    }
    const fleet: FleetLocation = {
      url,
      branch: req.fleet.branch ?? live?.branch ?? 'main',
      path: req.fleet.path ?? live?.path ?? `clusters/${req.cluster}`,
    };
    const history = await openFleetHistory(fleet.url, fleet.branch, { env, signal: req.signal });
    if (history === undefined)
      throw userError('GITOPS_NOT_FOUND', `the fleet repository has no branch "${fleet.branch}"`);
    try {
      return await migrate(req, fleet, history, client, connection.cluster);
    } finally {
      await history.remove();
    }
  } catch (e) {
    if (req.signal.aborted) throw abortError(req.signal);
    throw e;
  } finally {
    client?.close();
  }
}

async function migrate(
  req: MigrateRequest,
  fleet: FleetLocation,
  history: FleetHistory,
  client: KubeClient | undefined,
  /** The cluster as EKS describes it; undefined when it does not exist or was not asked. */
  cluster: EksCluster | undefined,
): Promise<MigrateDocument> {
  const { reconciler, env } = req.clients;
  const base = { cluster: req.cluster, dryRun: req.dryRun, fleet };
  const read = (f: string) => readFile(`${history.dir}/${f}`, 'utf8').catch(() => undefined);
  if ((await read(`${fleet.path}/profile/source.yaml`)) === undefined) {
    if ((await read(`${fleet.path}/cluster.yaml`)) === undefined) {
      throw userError('GITOPS_NOT_FOUND', `${fleet.path} is not in the fleet repository`);
    }
    const released = client && !req.dryRun ? await finishHandover(req, client, history.head) : undefined;
    return {
      ...base,
      ok: true,
      state: 'already',
      edits: [],
      handover: {
        protected: 0,
        released: released ?? 0,
        pending: released === undefined && client !== undefined && !req.dryRun,
      },
      nextSteps: [`${fleet.path} is in the layered layout already`],
    };
  }
  const conversion = await convert({
    history,
    path: fleet.path,
    cluster: req.cluster,
    reconciler,
    env,
    kubernetesVersion: cluster?.version,
    vpcId: cluster?.vpcId,
    signal: req.signal,
  });
  const edits = conversion.edits.map((e) => ({
    object: e.object,
    change: e.change,
    layer: e.layer,
    file: `${fleet.path}/${e.file}`,
  }));
  for (const e of edits) {
    emit(req.sink, {
      type: 'info',
      code: 'GITOPS_FLEET',
      message: `${e.object}: ${e.change} in the earlier layout, carried to ${e.file}`,
    });
  }
  if (conversion.vpcId === undefined) {
    emit(req.sink, {
      type: 'warning',
      code: 'GITOPS_MIGRATE_EDIT',
      message: `the cluster's VPC id is unknown (EKS did not describe ${req.cluster}), so ${fleet.path}/cluster-values.yaml lacks it and HelmReleases reading it wait: gitops bootstrap writes it`,
    });
  }
  if (conversion.baseline === undefined) {
    emit(req.sink, {
      type: 'warning',
      code: 'GITOPS_MIGRATE_EDIT',
      message: `no bootstrap commit of gitops found for ${fleet.path}: its files are taken as gitops wrote them, so edits made there are not told apart`,
    });
  }
  const profile = conversion.rendered.values.profile;
  if (req.dryRun) {
    return {
      ...base,
      ok: true,
      state: 'would-convert',
      profile,
      edits,
      handover: { protected: 0, released: 0, pending: false },
      nextSteps: ['run again without --dry-run to convert'],
    };
  }
  const lease = await clusterLease({
    url: fleet.url,
    cluster: req.cluster,
    operation: 'migrate',
    signal: req.signal,
    sink: req.sink,
    env,
  });
  try {
    const protectedCount = client ? await reconciler.protectFromPrune(client, req.signal) : 0;
    const result = await publishFleet({
      env,
      url: fleet.url,
      branch: fleet.branch,
      path: fleet.path,
      signal: lease ? AbortSignal.any([req.signal, lease.lost]) : req.signal,
      sink: req.sink,
      message: `gitops: migrate ${req.cluster} to the layered fleet layout`,
      change: (tip) => {
        // The edits were read at this revision; anything newer might hold more of them.
        if (tip.head !== history.head) {
          throw systemError(
            'GITOPS_CONFLICT',
            `${fleet.branch} moved while ${fleet.path} was being converted`,
            {
              hint: 'run gitops migrate again: nothing was pushed',
            },
          );
        }
        return conversion.edit;
      },
      maxAttempts: 1,
    });
    const released =
      client && result.revision ? await finishHandover(req, client, result.revision) : undefined;
    return {
      ...base,
      ok: true,
      state: 'converted',
      fleet: {
        ...fleet,
        ...(result.revision ? { revision: result.revision } : {}),
        committed: result.committed,
      },
      profile,
      edits,
      handover: {
        protected: protectedCount,
        released: released ?? 0,
        pending: client !== undefined && released === undefined,
      },
      nextSteps:
        client !== undefined && released === undefined
          ? [
              'the layers have not applied the conversion yet: run gitops migrate again once they have, to let go of the objects kept from pruning',
            ]
          : [
              `gitops status --cluster ${req.cluster}`,
              `change the cluster in its layer overlays: ${fleet.path}/<layer>/kustomization.yaml`,
            ],
    };
  } finally {
    await lease?.release();
  }
}

/**
 * Waits (to the deadline) until every layer sync has applied `revision` and is ready, then lets go
 * of the objects kept from pruning; undefined when the layers did not get there in time.
 */
async function finishHandover(
  req: MigrateRequest,
  client: KubeClient,
  revision: string,
): Promise<number | undefined> {
  const { reconciler } = req.clients;
  for (;;) {
    const health = await reconciler.health(client, req.signal);
    const done =
      health.layers.length > 0 && health.layers.every((l) => l.ready && l.appliedRevision === revision);
    if (done) return await reconciler.releaseProtection(client, req.signal);
    if (Date.now() + req.pollMs > req.deadline) {
      emit(req.sink, {
        type: 'warning',
        code: 'GITOPS_MIGRATE_EDIT',
        message:
          'the layer syncs did not apply the conversion before the timeout; what the old folder applied stays kept from pruning until gitops migrate runs again',
      });
      return undefined;
    }
    await new Promise((r) => setTimeout(r, req.pollMs));
    if (req.signal.aborted) throw abortError(req.signal);
  }
}
