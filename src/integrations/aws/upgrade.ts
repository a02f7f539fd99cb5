/**
 * Upgrading a running cluster to the spec's Kubernetes version, the way EKS allows it: the control
 * plane one minor version at a time (UpdateClusterVersion refuses a jump: "Unsupported Kubernetes
 * minor version update from 1.32 to 1.34"), each step waited for; before each step every managed
 * node group must run the cluster's version ("all of your node groups' Kubernetes versions must
 * match the cluster's Kubernetes version in order to update the cluster", UpdateClusterVersion in
 * botocore's eks model), so after each step our node groups follow (UpdateNodegroupVersion) and
 * our add-ons whose version the new Kubernetes version does not list move to EKS's default for it.
 *
 * The spec's version is a floor: a cluster already at or above it (EKS upgrades clusters whose
 * support ended by itself) is left alone. Everything that can stop an upgrade half-way (a node
 * group that is not ours, an AMI type without AMIs for the target, a pinned add-on version the
 * target does not list) is found by planUpgrade, before the first change.
 */
import { userError } from '../../primitives/errors.js';
import type { StepContext } from '../../primitives/plan.js';
import { al2Problem } from '../../spec/aws-limits.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { preferred } from './addon-versions.js';
import type { AwsClients } from './clients.js';
import { idempotencyToken } from './idempotency.js';
import type { EksAddon, EksCluster, EksNodegroup } from './ports.js';
import { isOwned } from './tags.js';
import { minorOf, stepsBetween, waitForUpdate } from './updates.js';
import { describeIssues, waitFor } from './waiter.js';

export interface UpgradePlan {
  from: string;
  to: string;
  /** The minor versions the control plane passes through, in order. */
  steps: string[];
  /** Our node groups, which follow the control plane. */
  nodegroups: string[];
  /** Our add-ons without a pinned version, moved when a step leaves their version behind. */
  addons: string[];
}

/** The upgrade a cluster needs, or undefined; throws (exit 2) what would stop it half-way. */
export async function planUpgrade(
  aws: AwsClients,
  spec: ClusterSpec,
  cluster: EksCluster,
): Promise<UpgradePlan | undefined> {
  if (minorOf(cluster.version) >= minorOf(spec.kubernetesVersion)) return undefined;
  const steps = stepsBetween(cluster.version, spec.kubernetesVersion);
  const [groups, addons] = await Promise.all([nodegroupsOf(aws, cluster.name), addonsOf(aws, cluster.name)]);
  const problems: string[] = [];
  for (const g of groups) {
    if (!isOwned(g.tags, spec.name)) {
      // EKS needs every node group at the cluster's version before each step; we only move ours.
      const behind = g.version !== undefined && minorOf(g.version) < minorOf(cluster.version);
      if (behind || steps.length > 1)
        problems.push(
          `kubernetesVersion: node group ${g.name} is not managed by gitops, and EKS needs it at each version from ${cluster.version} to ${spec.kubernetesVersion} before the control plane moves on; upgrade it yourself, or one minor version at a time`,
        );
      continue;
    }
    const al2 = g.amiType === undefined ? undefined : al2Problem(g.amiType, spec.kubernetesVersion);
    if (al2) problems.push(`nodeGroups[${g.name}].amiType: ${g.amiType}: ${al2}`);
  }
  for (const pinned of spec.addons.filter((a) => a.version !== undefined)) {
    const offered = await aws.eks.describeAddonVersions(pinned.name, spec.kubernetesVersion);
    if (!offered.some((v) => v.version === pinned.version))
      problems.push(
        `addons[${pinned.name}].version: ${pinned.version} is not offered for Kubernetes ${spec.kubernetesVersion}; EKS offers ${offered.map((v) => v.version).join(', ') || 'none'}`,
      );
  }
  if (problems.length > 0) {
    throw userError('GITOPS_BAD_CONFIG', problems[0]!, {
      details: problems.slice(1),
      hint: 'fix these, then run again: nothing was upgraded',
    });
  }
  const pinned = new Set(spec.addons.filter((a) => a.version !== undefined).map((a) => a.name));
  return {
    from: cluster.version,
    to: spec.kubernetesVersion,
    steps,
    nodegroups: groups
      .filter((g) => isOwned(g.tags, spec.name))
      .map((g) => g.name)
      .sort(),
    addons: addons
      .filter((a) => isOwned(a.tags, spec.name) && !pinned.has(a.name))
      .map((a) => a.name)
      .sort(),
  };
}

/** "upgrade Kubernetes 1.32 -> 1.33 -> 1.34: the control plane, then node groups ... at each step". */
export function describeUpgrade(plan: UpgradePlan): string {
  const path = [plan.from, ...plan.steps].join(' -> ');
  const followers = [
    ...(plan.nodegroups.length > 0 ? [`node groups ${plan.nodegroups.join(', ')}`] : []),
    ...(plan.addons.length > 0 ? [`add-ons ${plan.addons.join(', ')} (to compatible versions)`] : []),
  ];
  const then = followers.length > 0 ? `, then ${followers.join(' and ')}` : '';
  return `upgrade Kubernetes ${path}: the control plane${then}${plan.steps.length > 1 ? ', at each step' : ''}`;
}

/** Carries out the plan from wherever the cluster is now; returns the cluster at the target. */
export async function runUpgrade(
  ctx: StepContext,
  aws: AwsClients,
  cluster: EksCluster,
  plan: UpgradePlan,
): Promise<EksCluster> {
  let current = cluster;
  // A run stopped half-way resumes here: steps the control plane already made are skipped.
  for (const version of plan.steps.filter((v) => minorOf(v) > minorOf(current.version))) {
    await moveNodegroups(ctx, aws, current.name, plan.nodegroups, current.version);
    ctx.progress(`control plane ${current.version} -> ${version}`);
    const token = idempotencyToken('cluster-version', current.arn, current.createdAt?.toISOString(), version);
    const id = await aws.eks.updateClusterVersion(current.name, version, token);
    await waitForUpdate(ctx, aws, {
      cluster: current.name,
      id,
      what: `the control plane's upgrade to ${version}`,
    });
    current = await clusterAt(ctx, aws, current.name, version);
    await moveNodegroups(ctx, aws, current.name, plan.nodegroups, version);
    await moveAddons(ctx, aws, current.name, plan.addons, version);
  }
  return current;
}

const BUSY = new Set(['CREATING', 'UPDATING']);
const BROKEN = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED', 'DELETING', 'FAILED']);

async function clusterAt(
  ctx: StepContext,
  aws: AwsClients,
  name: string,
  version: string,
): Promise<EksCluster> {
  const c = await waitFor(
    ctx,
    {
      what: `cluster ${name} on ${version}`,
      poll: () => aws.eks.describeCluster(name),
      state: (x) => (x ? `${x.status} ${x.version}` : 'not found'),
      done: (x) => x?.status === 'ACTIVE' && x.version === version,
      failure: (x) => (!x ? 'it disappeared' : BROKEN.has(x.status) ? describeIssues(x.health) : undefined),
    },
    { scale: aws.timeScale },
  );
  return c!;
}

/** Our node groups to `version`, concurrently (each waits for its own update). */
async function moveNodegroups(
  ctx: StepContext,
  aws: AwsClients,
  cluster: string,
  names: readonly string[],
  version: string,
): Promise<void> {
  const settled = (n: string) =>
    waitFor(
      ctx,
      {
        what: `node group ${n}`,
        poll: () => aws.eks.describeNodegroup(cluster, n),
        state: (g) => g?.status ?? 'not found',
        done: (g) => g === undefined || !BUSY.has(g.status),
        failure: (g) => (g && BROKEN.has(g.status) ? `${g.status}: ${describeIssues(g.health)}` : undefined),
      },
      { scale: aws.timeScale },
    );
  await Promise.all(
    names.map(async (n) => {
      const g = await settled(n);
      if (!g || g.version === version) return;
      ctx.progress(`node group ${n} ${g.version ?? '?'} -> ${version}`);
      const id = await aws.eks.updateNodegroupVersion(
        cluster,
        n,
        version,
        idempotencyToken('nodegroup-version', g.arn, version),
      );
      await waitForUpdate(ctx, aws, {
        cluster,
        id,
        nodegroup: n,
        what: `node group ${n}'s upgrade to ${version}`,
      });
      await settled(n);
    }),
  );
}

/** Our unpinned add-ons whose version `version` does not list, to EKS's default for it. */
async function moveAddons(
  ctx: StepContext,
  aws: AwsClients,
  cluster: string,
  names: readonly string[],
  version: string,
): Promise<void> {
  await Promise.all(
    names.map(async (n) => {
      const addon = await aws.eks.describeAddon(cluster, n);
      if (!addon) return;
      const offered = await aws.eks.describeAddonVersions(n, version);
      if (offered.some((v) => v.version === addon.version)) return;
      const target = preferred(offered);
      if (target === undefined) {
        ctx.warn(
          'GITOPS_ADDON_UNSUPPORTED',
          `EKS lists no version of add-on ${n} for Kubernetes ${version}; left at ${addon.version}`,
        );
        return;
      }
      ctx.progress(`add-on ${n} ${addon.version} -> ${target}`);
      await aws.eks.updateAddon(cluster, n, target, idempotencyToken('addon-version', addon.arn, target));
      await waitFor(
        ctx,
        {
          what: `add-on ${n}`,
          poll: () => aws.eks.describeAddon(cluster, n),
          state: (a) => (a ? `${a.status} ${a.version}` : 'not found'),
          // DEGRADED is waited through: coredns says so while its pods move.
          done: (a) => a?.status === 'ACTIVE' && a.version === target,
          failure: (a) =>
            !a ? 'it disappeared' : BROKEN.has(a.status) ? describeIssues(a.health) : undefined,
        },
        { scale: aws.timeScale },
      );
    }),
  );
}

async function nodegroupsOf(aws: AwsClients, cluster: string): Promise<EksNodegroup[]> {
  const names = await aws.eks.listNodegroups(cluster);
  const groups = await Promise.all(names.map((n) => aws.eks.describeNodegroup(cluster, n)));
  return groups.filter((g): g is EksNodegroup => g !== undefined);
}

async function addonsOf(aws: AwsClients, cluster: string): Promise<EksAddon[]> {
  const names = await aws.eks.listAddons(cluster);
  const addons = await Promise.all(names.map((n) => aws.eks.describeAddon(cluster, n)));
  return addons.filter((a): a is EksAddon => a !== undefined);
}
