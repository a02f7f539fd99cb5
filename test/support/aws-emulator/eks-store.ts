// EKS clusters and what hangs off them (node groups, add-ons, access entries, updates), with
// status derived from lifecycle timestamps.

import { type Lifecycle, type Phase, phaseOf, type ScaledClock } from './clock.js';

export interface AccessPolicyAssociation {
  policyArn: string;
  accessScope: { type: string; namespaces: string[] };
  associatedAt: number;
  modifiedAt: number;
}

export interface AccessEntry {
  principalArn: string;
  arn: string;
  username: string;
  kubernetesGroups: string[];
  type: string;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  policies: Map<string, AccessPolicyAssociation>;
  clientRequestToken?: string;
  fingerprint: string;
  /** Set on the entries EKS makes for Auto Mode: visible, but not for the user to change. */
  managedBy?: 'auto-mode';
}

export interface Nodegroup {
  name: string;
  arn: string;
  clusterName: string;
  version: string;
  releaseVersion: string;
  lifecycle: Lifecycle;
  capacityType: string;
  scalingConfig: { minSize: number; maxSize: number; desiredSize: number };
  instanceTypes: string[];
  subnets: string[];
  amiType: string;
  nodeRole: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  diskSize: number;
  tags: Record<string, string>;
  updateConfig: { maxUnavailable?: number; maxUnavailablePercentage?: number };
  /** Idempotency: token and request fingerprint of the create call. */
  clientRequestToken?: string;
  fingerprint: string;
}

export interface Addon {
  name: string;
  arn: string;
  clusterName: string;
  version: string;
  lifecycle: Lifecycle;
  serviceAccountRoleArn?: string;
  configurationValues?: string;
  tags: Record<string, string>;
  clientRequestToken?: string;
  fingerprint: string;
}

/** EKS Auto Mode's three capabilities (AWS only lets them be on or off together). */
export interface AutoMode {
  compute: boolean;
  nodePools: string[];
  nodeRoleArn?: string;
  blockStorage: boolean;
  elasticLoadBalancing: boolean;
}

/** An EKS Pod Identity association: which IAM role a service account's pods receive. */
export interface PodIdentityAssociation {
  id: string;
  arn: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  /** The add-on that created (and manages) it, when created through the add-on APIs. */
  ownerArn?: string;
  disableSessionTags?: boolean;
  targetRoleArn?: string;
  externalId?: string;
  policy?: string;
  clientRequestToken?: string;
  fingerprint: string;
}

export interface EksUpdate {
  id: string;
  type: string;
  params: { type: string; value: string }[];
  createdAt: number;
  doneAt: number;
  nodegroupName?: string;
  addonName?: string;
  /** The request's clientRequestToken and what it asked, for replaying a retried update. */
  clientRequestToken?: string;
  fingerprint?: string;
}

export interface Cluster {
  name: string;
  arn: string;
  id: string;
  version: string;
  roleArn: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  clusterSecurityGroupId: string;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs: string[];
  serviceIpv4Cidr: string;
  tags: Record<string, string>;
  lifecycle: Lifecycle;
  authenticationMode: string;
  bootstrapClusterCreatorAdminPermissions: boolean;
  /** Whether EKS installed vpc-cni, coredns and kube-proxy itself at creation. */
  bootstrapSelfManagedAddons: boolean;
  /** Set once the request named Auto Mode's configuration (enabled or not). */
  autoMode?: AutoMode;
  creatorArn: string;
  /** Used when no kube-apiserver is bound: what an unbound cluster reports. */
  placeholderEndpoint: string;
  placeholderCa: string;
  oidcIssuer: string;
  clientRequestToken?: string;
  fingerprint: string;
  nodegroups: Map<string, Nodegroup>;
  addons: Map<string, Addon>;
  accessEntries: Map<string, AccessEntry>;
  /** By association id; they go with the cluster. */
  podIdentityAssociations: Map<string, PodIdentityAssociation>;
  updates: EksUpdate[];
  /** The EKS platform version of the control plane (changes with the Kubernetes version). */
  platformVersion: string;
  /** upgradePolicy.supportType: EKS upgrades the cluster at the end of this support. */
  supportType: 'STANDARD' | 'EXTENDED';
  /** A version update under way: the version shown until it is done. */
  pendingVersion?: { version: string; platformVersion: string; doneAt: number };
}

export const CLUSTER_STATUS: Record<Phase, string> = {
  creating: 'CREATING',
  ready: 'ACTIVE',
  failed: 'FAILED',
  updating: 'UPDATING',
  deleting: 'DELETING',
  gone: 'DELETING',
};

export class EksStore {
  readonly clusters = new Map<string, Cluster>();

  constructor(private readonly clock: ScaledClock) {}

  phase(l: Lifecycle): Phase {
    return phaseOf(l, this.clock.now());
  }

  /** Status string AWS would report (node groups and add-ons fail as CREATE_FAILED/DEGRADED). */
  status(l: Lifecycle): string {
    const p = this.phase(l);
    return p === 'failed' ? (l.failure?.status ?? 'FAILED') : CLUSTER_STATUS[p];
  }

  /** Remove whatever finished deleting; a cluster takes its add-ons and access entries along. */
  sweep(): void {
    for (const [name, c] of this.clusters) {
      if (this.phase(c.lifecycle) === 'gone') {
        this.clusters.delete(name);
        continue;
      }
      for (const [n, ng] of c.nodegroups) if (this.phase(ng.lifecycle) === 'gone') c.nodegroups.delete(n);
      for (const [n, a] of c.addons) if (this.phase(a.lifecycle) === 'gone') c.addons.delete(n);
    }
  }

  /** Clusters and node groups keep network interfaces in their subnets until they are gone. */
  subnetInUse(subnetId: string): boolean {
    this.sweep();
    for (const c of this.clusters.values()) {
      if (c.subnetIds.includes(subnetId)) return true;
      for (const ng of c.nodegroups.values()) if (ng.subnets.includes(subnetId)) return true;
    }
    return false;
  }
}
