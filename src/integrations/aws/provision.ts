/**
 * The AWS half of a bootstrap as plan steps. The caller passes the spec already merged with
 * the profile's node groups, add-ons and ECR repositories; the default add-ons are added here.
 *
 *   aws:network ─┬── aws:cluster:create ─┬─ aws:cluster ─┬─ aws:nodegroup:<name>  (also needs NAT, node role)
 *   aws:iam:cluster-role ─┘               │               ├─ aws:addon:<name>
 *                                         └─ aws:network:nat └─ aws:access:<n>
 *   aws:iam:node-role, aws:ecr:<repo>     (no dependencies: start at once)
 * NAT gateways wait for CreateCluster to be accepted: EKS may refuse a zone and move the network.
 */
import type { Step } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { accessStep } from './access.js';
import { addonStep, DEFAULT_ADDONS, mergeAddons } from './addons.js';
import type { AwsClients } from './clients.js';
import { clusterStep } from './cluster.js';
import { CLUSTER_CREATE, clusterCreateStep } from './cluster-create.js';
import { ecrStep } from './ecr.js';
import { roleStep } from './iam.js';
import { natStep, networkStep } from './network/steps.js';
import { nodegroupStep } from './nodegroups.js';

export function provisionSteps(spec: ClusterSpec, aws: AwsClients): Step[] {
  return [
    networkStep(spec, aws),
    roleStep(spec, aws, 'cluster'),
    roleStep(spec, aws, 'node'),
    ...spec.ecrRepositories.map((repo) => ecrStep(spec, aws, repo)),
    natStep(spec, aws, [CLUSTER_CREATE.id]),
    clusterCreateStep(spec, aws),
    clusterStep(spec, aws),
    ...spec.nodeGroups.map((ng) => nodegroupStep(spec, aws, ng)),
    ...mergeAddons(DEFAULT_ADDONS, spec.addons).map((addon) => addonStep(spec, aws, addon)),
    ...[...new Set(spec.access.adminPrincipals)].map((arn, i) => accessStep(spec, aws, arn, i)),
  ];
}
