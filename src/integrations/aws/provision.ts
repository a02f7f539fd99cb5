/**
 * The AWS half of a bootstrap as plan steps. The caller passes the spec already merged with
 * the profile's node groups, add-ons and ECR repositories, and the resolved workload identities;
 * the default add-ons are added here.
 *
 *   aws:network ─┬── aws:cluster:create ─┬─ aws:cluster ─┬─ aws:nodegroup:<name>   (also needs NAT, node role)
 *   aws:iam:cluster-role ─┘               │               ├─ aws:addon:<name>       (also its identity roles)
 *                                         └─ aws:network:nat ├─ aws:access:<n>
 *   aws:identity:<ns>/<sa> ───────────────────────────────────┼─ aws:pod-identity:<ns>/<sa> ─┐
 *   aws:iam:node-role, aws:ecr:<repo>                          ├─────────────────────────────┴─ aws:identities
 *                                                              └─ aws:ci (CI role; records CI on the cluster)
 * Roles and repositories have no dependencies: they start at once. NAT gateways wait for
 * CreateCluster to be accepted: EKS may refuse a zone and move the network.
 */
import type { Step } from '../../primitives/plan.js';
import type { WorkloadIdentity } from '../../spec/identity.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { accessStep } from './access.js';
import { addonRef, addonStep, DEFAULT_ADDONS, mergeAddons } from './addons.js';
import type { AwsClients } from './clients.js';
import { ciStep } from './ci-role.js';
import { clusterStep } from './cluster.js';
import { CLUSTER_CREATE, clusterCreateStep } from './cluster-create.js';
import { ecrStep } from './ecr.js';
import { roleStep } from './iam.js';
import { identityRoleStep } from './identity-role.js';
import { natStep, networkStep } from './network/steps.js';
import { nodegroupStep } from './nodegroups.js';
import { identitiesStep, podIdentityStep } from './pod-identity.js';

export function provisionSteps(
  spec: ClusterSpec,
  aws: AwsClients,
  identities: readonly WorkloadIdentity[] = [],
): Step[] {
  const addons = mergeAddons(DEFAULT_ADDONS, spec.addons).map((addon) =>
    addonStep(spec, aws, addon, identities),
  );
  const associations = identities
    .filter((i) => i.addon === undefined)
    .map((i) => podIdentityStep(spec, aws, i));
  const addonsWithIdentities = [
    ...new Set(identities.flatMap((i) => (i.addon ? [addonRef(i.addon).id] : []))),
  ];
  return [
    networkStep(spec, aws),
    roleStep(spec, aws, 'cluster'),
    roleStep(spec, aws, 'node'),
    ...identities.map((i) => identityRoleStep(spec, aws, i)),
    ...spec.ecrRepositories.map((repo) => ecrStep(spec, aws, repo)),
    natStep(spec, aws, [CLUSTER_CREATE.id]),
    clusterCreateStep(spec, aws),
    clusterStep(spec, aws),
    ...spec.nodeGroups.map((ng) => nodegroupStep(spec, aws, ng)),
    ...addons,
    ...associations,
    identitiesStep(spec, aws, identities, [...associations.map((s) => s.id), ...addonsWithIdentities]),
    ...[...new Set(spec.access.adminPrincipals)].map((arn, i) => accessStep(spec, aws, arn, i)),
    ciStep(spec, aws),
  ];
}

/**
 * What must be in place before the reconciler starts the workloads: EKS injects Pod Identity
 * credentials only into pods created after the association exists, and the agent delivers them.
 */
export function identityReadySteps(steps: readonly Step[]): string[] {
  return steps
    .map((s) => s.id)
    .filter((id) => id === 'aws:addon:eks-pod-identity-agent' || id.startsWith('aws:pod-identity:'));
}
