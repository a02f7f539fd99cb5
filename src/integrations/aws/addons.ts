/**
 * EKS add-ons, one step each, created concurrently once the cluster is ACTIVE. Without a pinned
 * version the newest version compatible with the cluster's Kubernetes version is chosen at
 * creation and kept afterwards (a re-run never upgrades behind the user's back); a pinned
 * version that differs is applied with UpdateAddon. An add-on with declared workload identities
 * gets their roles through its own podIdentityAssociations (addon-identity.ts).
 */
import { systemError, userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import type { WorkloadIdentity } from '../../spec/identity.js';
import type { AddonSpec, ClusterSpec } from '../../spec/schema.js';
import {
  addonIdentities,
  addonIdentityDrift,
  deleteStandalone,
  standaloneAssociations,
  standaloneText,
} from './addon-identity.js';
import type { AwsClients } from './clients.js';
import { type ClusterOutput, CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import { idempotencyToken } from './idempotency.js';
import { newest } from './addon-versions.js';
import { identityRoleRef } from './identity-role.js';
import type { AddonIdentity, EksAddon } from './ports.js';
import { assertOwned, isOwned, resourceTags } from './tags.js';
import { describeIssues, type WaitContext, waitFor } from './waiter.js';

/** What every cluster gets, before the profile's and the spec's own add-ons. */
export const DEFAULT_ADDONS: readonly AddonSpec[] = [
  { name: 'vpc-cni' },
  { name: 'kube-proxy' },
  { name: 'coredns' },
  { name: 'eks-pod-identity-agent' },
];

const WAITING = new Set(['CREATING', 'UPDATING', 'DEGRADED']);
const FAILED = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED']);

/** Defaults first, then the spec's; a later entry with the same name wins (a pinned version). */
export function mergeAddons(...lists: readonly (readonly AddonSpec[])[]): AddonSpec[] {
  const byName = new Map<string, AddonSpec>();
  for (const list of lists) for (const a of list) byName.set(a.name, { ...byName.get(a.name), ...a });
  return [...byName.values()];
}

export function addonRef(name: string): StepRef<unknown> {
  return stepRef(`aws:addon:${name}`);
}

export function addonStep(
  spec: ClusterSpec,
  aws: AwsClients,
  addon: AddonSpec,
  identities: readonly WorkloadIdentity[] = [],
): Step {
  const what = `add-on ${addon.name}`;
  const owned = identities.filter((i) => i.addon === addon.name);
  return {
    id: addonRef(addon.name).id,
    title: what,
    dependsOn: [CLUSTER.id, ...owned.map((i) => identityRoleRef(i).id)],
    async observe() {
      const current = await aws.eks.describeAddon(spec.name, addon.name);
      if (current) checkUsable(spec, current);
      // Refused here, before any change, when someone else's association holds a service account.
      const standalone = await standaloneAssociations(aws, spec.name, addon.name, current, owned);
      if (!current) {
        const create = `create ${what} ${addon.version ?? '(newest compatible)'}`;
        return { inSync: false, summary: [...standaloneText(standalone), create].join('; ') };
      }
      if (WAITING.has(current.status))
        return { inSync: false, summary: `wait for ${what} (${current.status})` };
      if (addon.version && current.version !== addon.version) {
        return { inSync: false, summary: `update ${what} ${current.version} -> ${addon.version}` };
      }
      if (!sameConfiguration(current.configurationValues, addon.configuration))
        return { inSync: false, summary: `set the configuration of ${what}: ${configurationText(addon)}` };
      const drift = [
        ...standaloneText(standalone),
        ...(await addonIdentityDrift(aws, spec.name, current, owned)),
      ];
      if (drift.length > 0)
        return { inSync: false, summary: `set the Pod Identity of ${what}: ${drift.join(', ')}` };
      return { inSync: true, summary: `${what} ${current.version} is ${current.status}` };
    },
    async apply(ctx) {
      const cluster = ctx.need(CLUSTER);
      let current = await aws.eks.describeAddon(spec.name, addon.name);
      let result: 'created' | 'updated' = 'updated';
      if (!current) {
        const standalone = await standaloneAssociations(aws, spec.name, addon.name, undefined, owned);
        await deleteStandalone(aws, spec.name, standalone);
        current = await create(spec, aws, addon, cluster, addonIdentities(ctx, owned));
        result = 'created';
      } else {
        checkUsable(spec, current);
        if (WAITING.has(current.status)) current = await waitActive(ctx, aws, spec.name, addon.name);
        // An update's token names the add-on's state it starts from (its last change) as well as
        // what it asks: two runs fixing the same state at once send one token and EKS applies it
        // once, while fixing the same drift again later (after our own update changed the add-on)
        // is a new request, not a retry that EKS would answer with the earlier update and skip.
        const from = () => current?.modifiedAt?.getTime();
        if (addon.version && current.version !== addon.version) {
          const token = idempotencyToken(
            'addon-update',
            cluster.arn,
            cluster.createdAt,
            addon.name,
            addon.version,
            from(),
          );
          await aws.eks.updateAddon(spec.name, addon.name, addon.version, token);
          // One update at a time: EKS refuses another while the add-on is UPDATING.
          current = await waitActive(ctx, aws, spec.name, addon.name);
        }
        if (!sameConfiguration(current.configurationValues, addon.configuration)) {
          const values = configurationText(addon);
          const token = idempotencyToken(
            'addon-config',
            cluster.arn,
            cluster.createdAt,
            addon.name,
            values,
            from(),
          );
          await aws.eks.updateAddonConfiguration(spec.name, addon.name, values, token);
          current = await waitActive(ctx, aws, spec.name, addon.name);
        }
        // EKS gives the add-on no service account that another association holds: ours go first.
        const standalone = await standaloneAssociations(aws, spec.name, addon.name, current, owned);
        if (standalone.length > 0 || (await addonIdentityDrift(aws, spec.name, current, owned)).length > 0) {
          await deleteStandalone(aws, spec.name, standalone);
          const wanted = addonIdentities(ctx, owned);
          const token = idempotencyToken(
            'addon-identities',
            cluster.arn,
            cluster.createdAt,
            addon.name,
            JSON.stringify(wanted),
            from(),
          );
          await aws.eks.updateAddonIdentities(spec.name, addon.name, wanted, token);
        }
      }
      const active = await waitActive(ctx, aws, spec.name, addon.name);
      return { result, summary: `${what} ${active.version} is ACTIVE` };
    },
  };
}

async function create(
  spec: ClusterSpec,
  aws: AwsClients,
  addon: AddonSpec,
  cluster: ClusterOutput,
  podIdentityAssociations: AddonIdentity[],
) {
  const version =
    addon.version ?? newest(await aws.eks.describeAddonVersions(addon.name, spec.kubernetesVersion));
  if (version === undefined) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `addons: EKS has no version of ${addon.name} for Kubernetes ${spec.kubernetesVersion}`,
      { hint: 'check the add-on name, or remove it from the profile or gitops.yaml' },
    );
  }
  try {
    return await aws.eks.createAddon({
      clusterName: spec.name,
      name: addon.name,
      version,
      tags: resourceTags(spec.name, spec.tags),
      clientRequestToken: idempotencyToken('addon', cluster.arn, cluster.createdAt, addon.name),
      ...(podIdentityAssociations.length > 0 ? { podIdentityAssociations } : {}),
      ...(addon.configuration ? { configurationValues: configurationText(addon) } : {}),
    });
  } catch (e) {
    if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
    const current = await aws.eks.describeAddon(spec.name, addon.name);
    if (!current) throw e;
    checkUsable(spec, current);
    return current;
  }
}

/** What EKS is sent: the configuration as JSON. */
function configurationText(addon: AddonSpec): string {
  return JSON.stringify(addon.configuration ?? {});
}

/**
 * Compared as data, since EKS returns the text it was given (JSON or YAML, any key order). Text
 * that is not JSON is taken as different: ours replaces it. Without a declared configuration the
 * add-on's own is left alone (someone may have set it through EKS).
 */
function sameConfiguration(live: string | undefined, wanted: Record<string, unknown> | undefined): boolean {
  if (wanted === undefined) return true;
  if (live === undefined || live.trim() === '') return false;
  try {
    return canonicalJson(JSON.parse(live)) === canonicalJson(wanted);
  } catch {
    return false;
  }
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function checkUsable(spec: ClusterSpec, current: EksAddon): void {
  assertOwned('add-on', current.name, current.tags, spec.name);
  if (FAILED.has(current.status)) {
    throw systemError(
      'GITOPS_AWS',
      `add-on ${current.name} is ${current.status}: ${describeIssues(current.health)}`,
      {
        hint: 'fix the cause AWS reports, delete the add-on, and run again',
      },
    );
  }
  if (current.status === 'DELETING') {
    throw userError('GITOPS_CONFLICT', `add-on ${current.name} is being deleted`, {
      hint: 'wait, then run again',
    });
  }
}

/**
 * DEGRADED is waited through, not failed: coredns reports it until the first nodes join, and
 * node groups are being created at the same time.
 */
export async function waitActive(ctx: WaitContext, aws: AwsClients, cluster: string, name: string) {
  const addon = await waitFor(
    ctx,
    {
      what: `add-on ${name}`,
      poll: () => aws.eks.describeAddon(cluster, name),
      state: (a) =>
        a ? `${a.status}${a.status === 'DEGRADED' ? ` (${describeIssues(a.health)})` : ''}` : 'not found',
      done: (a) => a?.status === 'ACTIVE',
      failure: (a) => {
        if (!a) return 'it disappeared';
        if (FAILED.has(a.status)) return describeIssues(a.health);
        if (a.status === 'DELETING') return 'it is being deleted';
        return undefined;
      },
    },
    { scale: aws.timeScale },
  );
  return addon!;
}

/** Teardown: our add-ons, deleted concurrently; others go with the cluster. */
export function addonsTeardownStep(cluster: string, aws: AwsClients, dependsOn: string[]): Step {
  const ours = async (ctx: StepContext) => {
    let names: string[];
    try {
      names = await aws.eks.listAddons(cluster);
    } catch (e) {
      if (hasAwsCode(e, 'ResourceNotFoundException')) return [];
      throw e;
    }
    const addons = await Promise.all(names.map((n) => aws.eks.describeAddon(cluster, n)));
    return addons.filter((a): a is EksAddon => {
      if (!a) return false;
      if (!isOwned(a.tags, cluster))
        ctx.info('GITOPS_NOT_MANAGED', `add-on ${a.name} is not managed by gitops; it goes with the cluster`);
      return isOwned(a.tags, cluster);
    });
  };
  return {
    id: 'aws:addons',
    title: 'delete add-ons',
    dependsOn,
    async observe(ctx) {
      const owned = await ours(ctx);
      if (owned.length === 0) return { inSync: true, summary: 'no add-ons of ours' };
      return { inSync: false, summary: `delete add-ons ${owned.map((a) => a.name).join(', ')}` };
    },
    async apply(ctx) {
      const owned = await ours(ctx);
      await Promise.all(
        owned.map(async (a) => {
          if (a.status !== 'DELETING') await ignoreNotFound(aws.eks.deleteAddon(cluster, a.name));
          await waitFor(
            ctx,
            {
              what: `add-on ${a.name}`,
              poll: () => aws.eks.describeAddon(cluster, a.name),
              state: (x) => x?.status ?? 'deleted',
              done: (x) => x === undefined,
              failure: (x) => (x?.status === 'DELETE_FAILED' ? describeIssues(x.health) : undefined),
            },
            { scale: aws.timeScale },
          );
        }),
      );
      return { result: 'deleted', summary: `deleted add-ons ${owned.map((a) => a.name).join(', ')}` };
    },
  };
}
