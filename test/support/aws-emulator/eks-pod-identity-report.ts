// What the emulator can say that AWS's API cannot: which role the pods of a service account would
// actually receive. A pod gets credentials only when an association names its service account
// AND the EKS Pod Identity Agent runs on the cluster (the add-on, or built into Auto Mode); with a
// target role the agent chains into it, so the pod ends up with the target role's credentials.

import type { EmulatorContext } from './context.js';
import type { Cluster } from './eks-store.js';

export interface PodIdentityQuery {
  cluster: string;
  namespace?: string;
  serviceAccount?: string;
}

export type AgentSource = 'eks-pod-identity-agent' | 'auto-mode';

export interface ServiceAccountIdentity {
  namespace: string;
  serviceAccount: string;
  associationId: string;
  roleArn: string;
  targetRoleArn?: string;
  ownerArn?: string;
  /** The role whose credentials the pods get (the target role when there is one). */
  effectiveRoleArn: string;
  receivesCredentials: boolean;
}

export interface PodIdentityReport {
  cluster: string;
  /** What delivers credentials to pods on this cluster; null: nothing, so no pod gets any. */
  agent: AgentSource | null;
  associations: ServiceAccountIdentity[];
  /** Only when both namespace and serviceAccount were asked about. */
  roleArn?: string | null;
  receivesCredentials?: boolean;
}

function agentOf(ctx: EmulatorContext, c: Cluster): AgentSource | null {
  if (c.autoMode?.compute) return 'auto-mode';
  const addon = c.addons.get('eks-pod-identity-agent');
  if (addon && ['ACTIVE', 'UPDATING', 'DEGRADED'].includes(ctx.eks.status(addon.lifecycle))) {
    return 'eks-pod-identity-agent';
  }
  return null;
}

export function podIdentityReport(ctx: EmulatorContext, q: PodIdentityQuery): PodIdentityReport {
  ctx.eks.sweep();
  const c = ctx.eks.clusters.get(q.cluster);
  if (!c) throw new Error(`no EKS cluster named ${q.cluster}`);
  const agent = agentOf(ctx, c);
  const associations = [...c.podIdentityAssociations.values()]
    .filter(
      (a) =>
        (q.namespace === undefined || a.namespace === q.namespace) &&
        (q.serviceAccount === undefined || a.serviceAccount === q.serviceAccount),
    )
    .map((a) => ({
      namespace: a.namespace,
      serviceAccount: a.serviceAccount,
      associationId: a.id,
      roleArn: a.roleArn,
      ...(a.targetRoleArn !== undefined ? { targetRoleArn: a.targetRoleArn } : {}),
      ...(a.ownerArn !== undefined ? { ownerArn: a.ownerArn } : {}),
      effectiveRoleArn: a.targetRoleArn ?? a.roleArn,
      receivesCredentials: agent !== null,
    }));
  const report: PodIdentityReport = { cluster: c.name, agent, associations };
  if (q.namespace !== undefined && q.serviceAccount !== undefined) {
    report.roleArn = associations[0]?.effectiveRoleArn ?? null;
    report.receivesCredentials = associations.length > 0 && agent !== null;
  }
  return report;
}
