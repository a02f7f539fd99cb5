/**
 * The steps a cluster in `compute: auto` gets besides the cluster itself:
 *
 *   aws:access:auto-nodes    the access entry Auto Mode's nodes join with. EKS makes it itself for
 *                            the node role the built-in node pools name ("EKS automatically creates
 *                            access entries when you use the built-in node class and node pools",
 *                            EKS User Guide, "Create a Node Class"); gitops checks it is there, of
 *                            type EC2 with AmazonEKSAutoNodePolicy, and makes it only when it is
 *                            not (the CLI commands the same page gives).
 *   aws:auto-mode:handover   after a cluster moved to Auto Mode: gitops's managed node groups are
 *                            deleted (EKS drains them and Auto Mode runs their pods on its own
 *                            nodes, AWS's "Migrate from EKS Managed Node Groups to EKS Auto Mode"),
 *                            then gitops's add-ons that Auto Mode replaces, which node groups needed
 *                            and Auto Mode does not. On a cluster created in Auto Mode: nothing.
 */
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, stepRef } from '../../primitives/plan.js';
import { isReplacedByAutoMode } from '../../spec/compute.js';
import type { ClusterSpec } from '../../spec/schema.js';
import type { AwsClients } from './clients.js';
import { CLUSTER } from './cluster.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import { AUTO_NODE_ROLE, partitionOf } from './iam.js';
import { idempotencyToken } from './idempotency.js';
import type { EksAddon, EksNodegroup } from './ports.js';
import { isOwned, resourceTags } from './tags.js';
import { describeIssues, waitFor } from './waiter.js';

export const AUTO_NODE_ACCESS = stepRef<unknown>('aws:access:auto-nodes');
export const AUTO_MODE_HANDOVER = stepRef<unknown>('aws:auto-mode:handover');

export function autoNodePolicy(region: string): string {
  return `arn:${partitionOf(region)}:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy`;
}

export function autoNodeAccessStep(spec: ClusterSpec, aws: AwsClients): Step {
  const policy = autoNodePolicy(aws.region);
  const inspect = async (ctx: StepContext) => {
    const role = ctx.need(AUTO_NODE_ROLE);
    const entry = await aws.eks.describeAccessEntry(spec.name, role.arn);
    if (entry && entry.type !== 'EC2') {
      throw userError(
        'GITOPS_CONFLICT',
        `access entry for ${role.arn} is of type ${entry.type ?? 'STANDARD'}, and EKS Auto Mode's nodes need one of type EC2`,
        { hint: 'delete that access entry (EKS cannot change its type), then run again' },
      );
    }
    const policies = entry ? await aws.eks.listAssociatedAccessPolicies(spec.name, role.arn) : [];
    return { role, entry, hasPolicy: policies.includes(policy) };
  };
  return {
    id: AUTO_NODE_ACCESS.id,
    title: 'access entry of the Auto Mode nodes',
    dependsOn: [CLUSTER.id, AUTO_NODE_ROLE.id],
    async observe(ctx) {
      const { role, entry, hasPolicy } = await inspect(ctx);
      if (!entry) return { inSync: false, summary: `create the EC2 access entry of ${role.name}` };
      if (!hasPolicy)
        return { inSync: false, summary: `associate AmazonEKSAutoNodePolicy with ${role.name}` };
      const who = isOwned(entry.tags, spec.name) ? 'gitops' : 'EKS';
      return { inSync: true, summary: `${role.name} joins nodes (access entry made by ${who})` };
    },
    async apply(ctx) {
      const cluster = ctx.need(CLUSTER);
      const { role, entry, hasPolicy } = await inspect(ctx);
      if (!entry) {
        try {
          await aws.eks.createAccessEntry(
            spec.name,
            role.arn,
            resourceTags(spec.name, spec.tags),
            idempotencyToken('auto-node-access', cluster.arn, cluster.createdAt, role.arn),
            'EC2',
          );
        } catch (e) {
          // EKS (or a concurrent run) made it in between; the association below is idempotent.
          if (!hasAwsCode(e, 'ResourceInUseException')) throw e;
        }
      }
      if (!hasPolicy) await aws.eks.associateClusterAccessPolicy(spec.name, role.arn, policy);
      return { result: entry ? 'updated' : 'created', summary: `${role.name} joins nodes` };
    },
  };
}

interface Leftovers {
  nodegroups: EksNodegroup[];
  addons: EksAddon[];
  /** Node groups gitops did not make: the add-ons stay while they run. */
  foreign: string[];
}

async function leftovers(aws: AwsClients, cluster: string): Promise<Leftovers> {
  const [groupNames, addonNames] = await Promise.all([
    aws.eks.listNodegroups(cluster),
    aws.eks.listAddons(cluster),
  ]);
  const groups = (await Promise.all(groupNames.map((n) => aws.eks.describeNodegroup(cluster, n)))).filter(
    (g): g is EksNodegroup => g !== undefined,
  );
  const addons = await Promise.all(
    addonNames.filter(isReplacedByAutoMode).map((n) => aws.eks.describeAddon(cluster, n)),
  );
  return {
    nodegroups: groups.filter((g) => isOwned(g.tags, cluster)),
    foreign: groups.filter((g) => !isOwned(g.tags, cluster)).map((g) => g.name),
    addons: addons.filter((a): a is EksAddon => a !== undefined && isOwned(a.tags, cluster)),
  };
}

function describe(l: Leftovers): string {
  const parts: string[] = [];
  if (l.nodegroups.length > 0)
    parts.push(
      `delete node groups ${l.nodegroups.map((g) => g.name).join(', ')} (EKS drains them; Auto Mode runs their pods)`,
    );
  if (l.addons.length > 0 && l.foreign.length === 0)
    parts.push(`delete add-ons ${l.addons.map((a) => a.name).join(', ')}, which Auto Mode replaces`);
  return parts.join(', then ');
}

export function autoModeHandoverStep(spec: ClusterSpec, aws: AwsClients): Step {
  const name = spec.name;
  return {
    id: AUTO_MODE_HANDOVER.id,
    title: 'hand the nodes over to EKS Auto Mode',
    dependsOn: [CLUSTER.id],
    async observe(ctx) {
      // A dry run of a cluster not made yet has nothing to hand over.
      if (!(await aws.eks.describeCluster(name)))
        return { inSync: true, summary: 'a new cluster: nothing to hand over' };
      const l = await leftovers(aws, name);
      if (l.foreign.length > 0 && l.addons.length > 0)
        ctx.info(
          'GITOPS_NOT_MANAGED',
          `node groups ${l.foreign.join(', ')} are not gitops's: add-ons ${l.addons.map((a) => a.name).join(', ')} stay while they run`,
        );
      const summary = describe(l);
      return summary === ''
        ? { inSync: true, summary: 'no node groups or replaced add-ons of gitops left' }
        : { inSync: false, summary };
    },
    async apply(ctx) {
      const l = await leftovers(aws, name);
      const summary = describe(l);
      await Promise.all(
        l.nodegroups.map(async (g) => {
          if (g.status !== 'DELETING') await ignoreNotFound(aws.eks.deleteNodegroup(name, g.name));
          await waitFor(
            ctx,
            {
              what: `node group ${g.name}`,
              poll: () => aws.eks.describeNodegroup(name, g.name),
              state: (n) => n?.status ?? 'deleted',
              done: (n) => n === undefined,
              failure: (n) => (n?.status === 'DELETE_FAILED' ? describeIssues(n.health) : undefined),
            },
            { scale: aws.timeScale },
          );
        }),
      );
      if (l.foreign.length === 0) {
        await Promise.all(
          l.addons.map(async (a) => {
            if (a.status !== 'DELETING') await ignoreNotFound(aws.eks.deleteAddon(name, a.name));
            await waitFor(
              ctx,
              {
                what: `add-on ${a.name}`,
                poll: () => aws.eks.describeAddon(name, a.name),
                state: (x) => x?.status ?? 'deleted',
                done: (x) => x === undefined,
                failure: (x) => (x?.status === 'DELETE_FAILED' ? describeIssues(x.health) : undefined),
              },
              { scale: aws.timeScale },
            );
          }),
        );
      }
      return { result: 'deleted', summary };
    },
  };
}
