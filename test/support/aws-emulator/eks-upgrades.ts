// Kubernetes version changes: DescribeClusterVersions, UpdateClusterVersion (one minor version at a
// time, UPDATING -> ACTIVE), UpdateNodegroupVersion, ListUpdates, and the upgrade EKS forces on a
// cluster whose version's support has ended. Like every lifecycle here, the forced upgrade is
// worked out when the cluster is read: it starts at the end-of-support instant and takes as long as
// a requested one on the scaled clock.

import type { EmulatorContext } from './context.js';
import {
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  invalidRequest,
  listPage,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import type { Cluster, EksUpdate, Nodegroup } from './eks-store.js';
import { updateView } from './eks-views.js';

/** Kubernetes 1.32 is the last version EKS published Amazon Linux 2 AMIs for. */
export const LAST_AL2_MINOR = 32;
const minor = (v: string) => Number(v.split('.')[1]);

export function isAl2AmiType(amiType: string): boolean {
  return amiType.startsWith('AL2_');
}

/** A cluster's version as of now: finished upgrades applied, forced ones started. */
export function refreshVersion(ctx: EmulatorContext, c: Cluster): void {
  const now = ctx.clock.now();
  for (let guard = 0; guard < 64; guard++) {
    if (c.pendingVersion && now >= c.pendingVersion.doneAt) {
      c.version = c.pendingVersion.version;
      c.platformVersion = c.pendingVersion.platformVersion;
      delete c.pendingVersion;
    }
    if (c.pendingVersion || c.lifecycle.deletingSince !== undefined || c.lifecycle.failure) return;
    if (now < c.lifecycle.readyAt) return;
    const due = ctx.eksVersions.forcedUpgradeAt(c.version, c.supportType);
    const next = ctx.eksVersions.next(c.version);
    if (due === undefined || next === undefined || now < due) return;
    // EKS starts the upgrade when support ends (or at once, for a cluster created after that).
    const start = Math.max(due, c.lifecycle.readyAt);
    startVersionUpdate(ctx, c, next.version, next.defaultPlatformVersion, start);
  }
}

function startVersionUpdate(
  ctx: EmulatorContext,
  c: Cluster,
  version: string,
  platformVersion: string,
  start: number,
): EksUpdate {
  const doneAt = ctx.clock.after('clusterUpdate', start);
  c.pendingVersion = { version, platformVersion, doneAt };
  c.lifecycle.updatingUntil = Math.max(c.lifecycle.updatingUntil ?? 0, doneAt);
  const update: EksUpdate = {
    id: ctx.random.uuid(),
    type: 'VersionUpdate',
    params: [
      { type: 'Version', value: version },
      { type: 'PlatformVersion', value: platformVersion },
    ],
    createdAt: start,
    doneAt,
  };
  c.updates.push(update);
  return update;
}

function nodegroupOrThrow(c: Cluster, name: string): Nodegroup {
  const ng = c.nodegroups.get(name);
  if (!ng) {
    throw resourceNotFound(`No node group found for name: ${name}.`, {
      clusterName: c.name,
      nodegroupName: name,
    });
  }
  return ng;
}

export const upgradeOps: Record<string, EksOp> = {
  DescribeClusterVersions(ctx, input) {
    const q = input.query;
    const now = ctx.clock.now();
    const table = ctx.eksVersions;
    const defaultVersion = table.defaultVersion(now);
    const clusterType = q.get('clusterType');
    if (clusterType !== null && clusterType !== 'eks') {
      throw invalidParameter(`Unsupported cluster type ${clusterType}; the emulator knows 'eks'.`);
    }
    const wanted = q.getAll('clusterVersions');
    const status = q.get('versionStatus') ?? q.get('status')?.toUpperCase().replace('-', '_');
    const includeAll = q.get('includeAll') === 'true' || wanted.length > 0 || status === 'UNSUPPORTED';
    const rows = table.rows
      .filter((r) => includeAll || table.isOffered(r.version, now))
      .filter((r) => wanted.length === 0 || wanted.includes(r.version))
      .filter((r) => status === undefined || status === null || table.status(r, now) === status)
      .filter((r) => q.get('defaultOnly') !== 'true' || r.version === defaultVersion)
      // Newest first, as EKS lists them.
      .reverse();
    const page = listPage(rows, input, 'cluster-versions');
    return {
      clusterVersions: page.items.map((r) => table.view(r, now, defaultVersion)),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  UpdateClusterVersion(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const status = ctx.eks.status(c.lifecycle);
    if (status !== 'ACTIVE') {
      throw resourceInUse(`Cluster ${c.name} is in ${status} state; a version update needs ACTIVE.`, {
        clusterName: c.name,
      });
    }
    const version = body.required('version');
    if (version === c.version) {
      throw invalidParameter(`Cluster is already at the desired configuration with version: ${version}`, {
        clusterName: c.name,
      });
    }
    if (minor(version) !== minor(c.version) + 1 || !version.startsWith('1.')) {
      throw invalidParameter(`Unsupported Kubernetes minor version update from ${c.version} to ${version}`, {
        clusterName: c.name,
      });
    }
    const target = ctx.eksVersions.find(version);
    if (!target || !ctx.eksVersions.isOffered(version, ctx.clock.now())) {
      throw invalidParameter(`unsupported Kubernetes version ${version}`, { clusterName: c.name });
    }
    // EKS keeps node groups at most one step behind: they must catch up before the control plane moves.
    const behind = [...c.nodegroups.values()].filter((n) => n.version !== c.version).map((n) => n.name);
    if (behind.length > 0 && body.bool('force') !== true) {
      throw invalidRequest(
        `Nodegroups ${behind.join(', ')} must be updated to match cluster version ${c.version} before updating cluster version`,
        { clusterName: c.name },
      );
    }
    const update = startVersionUpdate(ctx, c, version, target.defaultPlatformVersion, ctx.clock.now());
    return { update: updateView(ctx, update) };
  },

  UpdateNodegroupVersion(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const ng = nodegroupOrThrow(c, labels.nodegroupName!);
    const status = ctx.eks.status(ng.lifecycle);
    if (status !== 'ACTIVE' && status !== 'DEGRADED') {
      throw resourceInUse(`Nodegroup ${ng.name} cannot be updated in status ${status}.`, {
        clusterName: c.name,
        nodegroupName: ng.name,
      });
    }
    const version = body.str('version') ?? c.version;
    if (version !== c.version) {
      throw invalidParameter(
        `Requested Nodegroup version ${version} must match cluster version ${c.version}.`,
        {
          clusterName: c.name,
          nodegroupName: ng.name,
        },
      );
    }
    if (isAl2AmiType(ng.amiType) && minor(version) > LAST_AL2_MINOR) {
      throw invalidParameter(
        `Amazon Linux 2 AMIs (${ng.amiType}) are not published for Kubernetes ${version}; use an AL2023 or Bottlerocket AMI type.`,
        { clusterName: c.name, nodegroupName: ng.name },
      );
    }
    const releaseVersion = body.str('releaseVersion') ?? `${version}.0-20261115`;
    if (version === ng.version && releaseVersion === ng.releaseVersion) {
      throw invalidParameter(`Nodegroup ${ng.name} is already at version ${version} (${releaseVersion}).`, {
        clusterName: c.name,
        nodegroupName: ng.name,
      });
    }
    const now = ctx.clock.now();
    ng.lifecycle.updatingUntil = ctx.clock.after('nodegroupUpdate', now);
    ng.version = version;
    ng.releaseVersion = releaseVersion;
    const update: EksUpdate = {
      id: ctx.random.uuid(),
      type: 'VersionUpdate',
      params: [
        { type: 'Version', value: version },
        { type: 'ReleaseVersion', value: releaseVersion },
      ],
      createdAt: now,
      doneAt: ng.lifecycle.updatingUntil,
      nodegroupName: ng.name,
    };
    c.updates.push(update);
    return { update: updateView(ctx, update) };
  },

  ListUpdates(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.name!);
    const ng = input.query.get('nodegroupName') ?? undefined;
    const addon = input.query.get('addonName') ?? undefined;
    const ids = c.updates.filter((u) => u.nodegroupName === ng && u.addonName === addon).map((u) => u.id);
    const page = listPage(ids, input, `updates:${c.name}:${ng}:${addon}`);
    return { updateIds: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },
};
