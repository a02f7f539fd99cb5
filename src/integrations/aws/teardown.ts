/**
 * The AWS half of `destroy` as plan steps, in reverse dependency order. Everything is found by
 * our tags (or by the names we derive from the cluster name), so the cluster name is enough:
 * teardown works after a profile changed, after a crash, and without the fleet repo.
 *
 *   aws:ecr ─┬─ aws:addons ───────┐
 *            ├─ aws:nodegroups ───┤
 *            ├─ aws:access ───────┼─ aws:cluster ─┬─ aws:network
 *            └─ aws:pod-identity ─┘               ├─ aws:iam:cluster-role
 *                                                 ├─ aws:iam:node-role, aws:iam:auto-node-role
 *                                                 ├─ aws:iam:identities (Pod Identity roles)
 *                                                 ├─ aws:iam:ci (CI role, GitHub's provider if unused)
 *                                                 └─ aws:s3 (buckets, emptied; kept with --keep-data)
 * ECR comes first so that a refusal (repositories with images, no --force) deletes nothing. The
 * buckets go once the cluster has: no workload writes to them any more, and a destroy that stops
 * earlier leaves the team's data where it was.
 */
import type { Step } from '../../primitives/plan.js';
import { accessTeardownStep } from './access.js';
import { bucketsTeardownStep } from './bucket-teardown.js';
import { addonsTeardownStep } from './addons.js';
import type { AwsClients } from './clients.js';
import { ciTeardownStep } from './ci-role.js';
import { CLUSTER, clusterTeardownStep } from './cluster.js';
import { ecrTeardownStep } from './ecr.js';
import { roleTeardownStep } from './iam.js';
import { networkTeardownStep } from './network/teardown.js';
import { nodegroupsTeardownStep } from './nodegroups.js';
import { identityRolesTeardownStep, podIdentityTeardownStep } from './pod-identity.js';

export interface TeardownTarget {
  name: string;
}

export interface TeardownOptions {
  /** Delete ECR repositories even when they hold images. */
  force?: boolean;
  /** Keep the S3 buckets and their data. */
  keepData?: boolean;
}

export function teardownSteps(
  target: TeardownTarget,
  aws: AwsClients,
  options: TeardownOptions = {},
): Step[] {
  const cluster = target.name;
  const inCluster = ['aws:addons', 'aws:nodegroups', 'aws:access', 'aws:pod-identity'];
  return [
    ecrTeardownStep(cluster, aws, options.force ?? false),
    addonsTeardownStep(cluster, aws, ['aws:ecr']),
    nodegroupsTeardownStep(cluster, aws, ['aws:ecr']),
    accessTeardownStep(cluster, aws, ['aws:ecr']),
    podIdentityTeardownStep(cluster, aws, ['aws:ecr']),
    clusterTeardownStep(cluster, aws, inCluster),
    networkTeardownStep(cluster, aws, [CLUSTER.id]),
    roleTeardownStep(cluster, aws, 'cluster', [CLUSTER.id]),
    // Node groups use the node role until they are gone; the cluster step waited for that. Auto
    // Mode's node role is kept as long as the cluster that names it.
    roleTeardownStep(cluster, aws, 'node', [CLUSTER.id]),
    roleTeardownStep(cluster, aws, 'auto-node', [CLUSTER.id]),
    // Add-ons and associations naming these roles are gone once the cluster is.
    identityRolesTeardownStep(cluster, aws, [CLUSTER.id]),
    // Kept until the cluster is gone, like its other roles: a destroy that stops half way leaves
    // a cluster whose CI still pushes.
    ciTeardownStep(cluster, aws, [CLUSTER.id]),
    bucketsTeardownStep(cluster, aws, options.keepData ?? false, [CLUSTER.id]),
  ];
}
