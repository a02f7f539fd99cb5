/**
 * The AWS half of a bootstrap as plan steps. The caller passes the spec already merged with
 * the profile's node groups, add-ons and ECR repositories, and the resolved workload identities;
 * the default add-ons are added here (in `compute: auto` none: Auto Mode runs its own, and the
 * cluster gets Auto Mode's node role, the nodes' access entry and the hand-over from node groups
 * instead of node groups; ./auto-mode-steps.ts).
 *
 *   aws:network ─┬── aws:cluster:create ─┬─ aws:cluster ─┬─ aws:nodegroup:<name>   (also needs NAT, node role)
 *   aws:iam:cluster-role ─┘               │               ├─ aws:addon:<name>       (also its identity roles)
 *                                         └─ aws:network:nat ├─ aws:access:<n>
 *   aws:identity:<ns>/<sa> ───────────────────────────────────┼─ aws:pod-identity:<ns>/<sa> ─┐
 *   aws:iam:node-role, aws:ecr:<repo>, aws:s3:<bucket>         ├─────────────────────────────┴─ aws:identities
 *                                                              ├─ aws:ci (CI role; records CI on the cluster)
 *   aws:s3:<bucket> (each) ────────────────────────────────────└─ aws:buckets (records them on the cluster)
 * Roles, repositories and buckets have no dependencies: they start at once. NAT gateways wait for
 * CreateCluster to be accepted: EKS may refuse a zone and move the network.
 */
import type { Step } from '../../primitives/plan.js';
import type { ClusterBucket } from '../../spec/bucket.js';
import type { WorkloadIdentity } from '../../spec/identity.js';
import { isReplacedByAutoMode } from '../../spec/compute.js';
import type { AddonSpec, ClusterSpec } from '../../spec/schema.js';
import { accessStep } from './access.js';
import { addonRef, addonStep, DEFAULT_ADDONS, mergeAddons } from './addons.js';
import { bucketsRecordStep } from './bucket-record.js';
import { bucketStep } from './buckets.js';
import type { AwsClients } from './clients.js';
import { ciStep } from './ci-role.js';
import { clusterStep } from './cluster.js';
import { CLUSTER_CREATE, clusterCreateStep } from './cluster-create.js';
import { ecrStep } from './ecr.js';
import { autoModeHandoverStep, autoNodeAccessStep } from './auto-mode-steps.js';
import { nodeRoleKind, roleStep } from './iam.js';
import { identityRoleStep } from './identity-role.js';
import { natStep, networkStep } from './network/steps.js';
import { nodegroupStep } from './nodegroups.js';
import { identitiesStep, podIdentityStep } from './pod-identity.js';

export function provisionSteps(
  spec: ClusterSpec,
  aws: AwsClients,
  identities: readonly WorkloadIdentity[] = [],
  buckets: readonly ClusterBucket[] = [],
): Step[] {
  const auto = spec.compute === 'auto';
  const addons = clusterAddons(spec).map((addon) => addonStep(spec, aws, addon, identities));
  const associations = identities
    .filter((i) => i.addon === undefined)
    .map((i) => podIdentityStep(spec, aws, i));
  const addonsWithIdentities = [
    ...new Set(identities.flatMap((i) => (i.addon ? [addonRef(i.addon).id] : []))),
  ];
  // Roles of identities left out after a move to Auto Mode go once their add-ons have.
  const handover = auto ? [autoModeHandoverStep(spec, aws)] : [];
  return [
    networkStep(spec, aws),
    roleStep(spec, aws, 'cluster'),
    roleStep(spec, aws, nodeRoleKind(spec)),
    ...identities.map((i) => identityRoleStep(spec, aws, i)),
    ...spec.ecrRepositories.map((repo) => ecrStep(spec, aws, repo)),
    ...buckets.map((b) => bucketStep(spec, aws, b)),
    bucketsRecordStep(spec, aws, buckets),
    natStep(spec, aws, [CLUSTER_CREATE.id]),
    clusterCreateStep(spec, aws),
    clusterStep(spec, aws),
    ...(auto ? [] : spec.nodeGroups.map((ng) => nodegroupStep(spec, aws, ng))),
    ...(auto ? [autoNodeAccessStep(spec, aws)] : []),
    ...handover,
    ...addons,
    ...associations,
    identitiesStep(spec, aws, identities, [
      ...associations.map((s) => s.id),
      ...addonsWithIdentities,
      ...handover.map((s) => s.id),
    ]),
    ...[...new Set(spec.access.adminPrincipals)].map((arn, i) => accessStep(spec, aws, arn, i)),
    ciStep(spec, aws),
  ];
}

/**
 * The add-ons the cluster gets: the defaults and the spec's with node groups; with Auto Mode only
 * the spec's that it does not replace (the EKS Pod Identity agent is built into Auto Mode).
 */
export function clusterAddons(spec: Pick<ClusterSpec, 'compute' | 'addons'>): AddonSpec[] {
  if (spec.compute === 'auto') return mergeAddons(spec.addons.filter((a) => !isReplacedByAutoMode(a.name)));
  return mergeAddons(DEFAULT_ADDONS, spec.addons);
}

/**
 * What must be in place before the reconciler starts the workloads: EKS injects Pod Identity
 * credentials only into pods created after the association exists, and the agent delivers them
 * (the add-on with node groups; built into Auto Mode: "You do not have to install the EKS Pod
 * Identity Agent on EKS Auto Mode clusters", EKS User Guide, "Automate cluster infrastructure with
 * EKS Auto Mode").
 */
export function identityReadySteps(steps: readonly Step[]): string[] {
  return steps
    .map((s) => s.id)
    .filter((id) => id === 'aws:addon:eks-pod-identity-agent' || id.startsWith('aws:pod-identity:'));
}
