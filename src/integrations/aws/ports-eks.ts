/** The EKS port: the calls gitops makes on EKS, in our own small types (see ./ports.ts). */
import type { Taint } from '../../spec/schema.js';
import type { HealthIssue, Tags } from './ports-common.js';

// ---------------------------------------------------------------------------------------- EKS

export interface EksCluster {
  name: string;
  arn: string;
  status: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  /** The VPC of its subnets (resourcesVpcConfig.vpcId). */
  vpcId?: string;
  endpoint?: string;
  /** Base64 PEM, as AWS returns it. */
  certificateAuthority?: string;
  authenticationMode?: string;
  createdAt?: Date;
  tags: Tags;
  health: HealthIssue[];
  endpointAccess?: EndpointAccess;
  /** EKS Auto Mode as DescribeCluster reports it; absent when it reports none of it. */
  autoMode?: AutoModeConfig;
}

/** EKS Auto Mode's three capabilities (computeConfig, blockStorage, elasticLoadBalancing). */
export interface AutoModeConfig {
  compute: boolean;
  blockStorage: boolean;
  elasticLoadBalancing: boolean;
  /** The built-in node pools EKS runs (general-purpose, system). */
  nodePools: string[];
  /** The role of the nodes EKS makes for the built-in pools. */
  nodeRoleArn?: string;
}

/** What enabling Auto Mode names: the three capabilities go on together, with these. */
export interface AutoModeRequest {
  nodeRoleArn: string;
  nodePools: string[];
}

/** Who reaches the API server: resourcesVpcConfig's endpoint members. */
export interface EndpointAccess {
  publicAccess: boolean;
  privateAccess: boolean;
  /** Only meaningful with public access; EKS reports 0.0.0.0/0 when unrestricted. */
  publicCidrs: string[];
}

export interface CreateClusterInput {
  name: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  endpointAccess: EndpointAccess;
  /** Set: the cluster is created with EKS Auto Mode on (and EKS bootstraps no add-ons itself). */
  autoMode?: AutoModeRequest;
  tags: Tags;
  clientRequestToken: string;
}

/** A cluster, node group or add-on update (DescribeUpdate). */
export interface EksUpdate {
  id: string;
  /** InProgress, Successful, Failed or Cancelled. */
  status: string;
  errors: string[];
}

export interface Scaling {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

export interface EksNodegroup {
  name: string;
  clusterName: string;
  arn: string;
  status: string;
  /** The node group's Kubernetes version. */
  version?: string;
  nodeRoleArn: string;
  subnetIds: string[];
  instanceTypes: string[];
  amiType?: string;
  capacityType?: string;
  diskSize?: number;
  scaling: Scaling;
  labels: Record<string, string>;
  taints: Taint[];
  tags: Tags;
  health: HealthIssue[];
  /** When the node group last changed (an update of it, or its creation). */
  modifiedAt?: Date;
}

export interface CreateNodegroupInput {
  clusterName: string;
  name: string;
  nodeRoleArn: string;
  subnetIds: string[];
  instanceTypes: string[];
  amiType: string;
  capacityType: string;
  diskSize: number;
  scaling: Scaling;
  labels: Record<string, string>;
  taints: Taint[];
  tags: Tags;
  clientRequestToken: string;
}

export interface UpdateNodegroupInput {
  clusterName: string;
  name: string;
  scaling?: Scaling;
  labels?: { addOrUpdate: Record<string, string>; remove: string[] };
  taints?: { addOrUpdate: Taint[]; remove: Taint[] };
  clientRequestToken: string;
}

export interface EksAddon {
  name: string;
  clusterName: string;
  arn: string;
  status: string;
  version: string;
  tags: Tags;
  health: HealthIssue[];
  /** ARNs of the Pod Identity associations the add-on owns. */
  podIdentityAssociations: string[];
  /** The advanced configuration (JSON or YAML text), when one was given. */
  configurationValues?: string;
  /** When the add-on last changed (an update of it, or its creation). */
  modifiedAt?: Date;
}

/** A service account -> role pair an add-on's podIdentityAssociations carry. */
export interface AddonIdentity {
  serviceAccount: string;
  roleArn: string;
}

export interface PodIdentityAssociation {
  id: string;
  arn: string;
  namespace: string;
  serviceAccount: string;
  /** Absent in list summaries; DescribePodIdentityAssociation has it. */
  roleArn?: string;
  /** The add-on that owns it, when an add-on made it. */
  ownerArn?: string;
  tags: Tags;
}

export interface CreatePodIdentityInput {
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  tags: Tags;
  clientRequestToken: string;
}

export interface AddonVersion {
  version: string;
  /** AWS's default for the asked Kubernetes version. */
  isDefault: boolean;
}

/** A Kubernetes version as EKS offers it (DescribeClusterVersions). */
export interface ClusterVersion {
  version: string;
  /** STANDARD_SUPPORT, EXTENDED_SUPPORT or UNSUPPORTED. */
  status: string;
  /** The version EKS creates when none is asked for. */
  isDefault: boolean;
  endOfStandardSupport?: Date;
  endOfExtendedSupport?: Date;
}

export interface CreateAddonInput {
  clusterName: string;
  name: string;
  version: string;
  tags: Tags;
  clientRequestToken: string;
  podIdentityAssociations?: AddonIdentity[];
  configurationValues?: string;
}

export interface AccessEntry {
  principalArn: string;
  type?: string;
  tags: Tags;
}

export interface EksPort {
  listClusters(): Promise<string[]>;
  describeCluster(name: string): Promise<EksCluster | undefined>;
  /** Throws ZonesRefusedError when EKS cannot place the control plane in a subnet's zone. */
  createCluster(input: CreateClusterInput): Promise<EksCluster>;
  deleteCluster(name: string): Promise<void>;
  tagResource(arn: string, tags: Tags): Promise<void>;
  untagResource(arn: string, keys: readonly string[]): Promise<void>;

  listNodegroups(cluster: string): Promise<string[]>;
  describeNodegroup(cluster: string, name: string): Promise<EksNodegroup | undefined>;
  createNodegroup(input: CreateNodegroupInput): Promise<EksNodegroup>;
  updateNodegroupConfig(input: UpdateNodegroupInput): Promise<void>;
  deleteNodegroup(cluster: string, name: string): Promise<void>;

  listAddons(cluster: string): Promise<string[]>;
  describeAddon(cluster: string, name: string): Promise<EksAddon | undefined>;
  /** Versions of an add-on that support this Kubernetes version, as AWS lists them. */
  describeAddonVersions(name: string, kubernetesVersion: string): Promise<AddonVersion[]>;
  /** The versions EKS offers for new clusters (standard and extended support). */
  describeClusterVersions(): Promise<ClusterVersion[]>;
  createAddon(input: CreateAddonInput): Promise<EksAddon>;
  updateAddon(cluster: string, name: string, version: string, clientRequestToken: string): Promise<void>;
  /** Replaces the add-on's advanced configuration ('' removes it). */
  updateAddonConfiguration(
    cluster: string,
    name: string,
    configurationValues: string,
    clientRequestToken: string,
  ): Promise<void>;
  /** Replaces the add-on's whole set of Pod Identity associations. */
  updateAddonIdentities(
    cluster: string,
    name: string,
    associations: AddonIdentity[],
    clientRequestToken: string,
  ): Promise<void>;
  deleteAddon(cluster: string, name: string): Promise<void>;

  /** Summaries (no role, no tags); an unknown cluster answers ResourceNotFoundException. */
  listPodIdentityAssociations(cluster: string): Promise<PodIdentityAssociation[]>;
  describePodIdentityAssociation(cluster: string, id: string): Promise<PodIdentityAssociation | undefined>;
  createPodIdentityAssociation(input: CreatePodIdentityInput): Promise<PodIdentityAssociation>;
  updatePodIdentityAssociation(cluster: string, id: string, roleArn: string): Promise<void>;
  deletePodIdentityAssociation(cluster: string, id: string): Promise<void>;

  listAccessEntries(cluster: string): Promise<string[]>;
  describeAccessEntry(cluster: string, principalArn: string): Promise<AccessEntry | undefined>;
  /** `type` defaults to STANDARD; EC2 is the type of Auto Mode nodes' entries. */
  createAccessEntry(
    cluster: string,
    principalArn: string,
    tags: Tags,
    clientRequestToken: string,
    type?: string,
  ): Promise<void>;
  /** Policy ARNs associated with the entry. */
  listAssociatedAccessPolicies(cluster: string, principalArn: string): Promise<string[]>;
  associateClusterAccessPolicy(cluster: string, principalArn: string, policyArn: string): Promise<void>;
  deleteAccessEntry(cluster: string, principalArn: string): Promise<void>;

  /** Each returns the update's id, for describeUpdate. */
  updateClusterVersion(name: string, version: string, clientRequestToken: string): Promise<string>;
  updateNodegroupVersion(
    cluster: string,
    nodegroup: string,
    version: string,
    clientRequestToken: string,
  ): Promise<string>;
  updateEndpointAccess(name: string, access: EndpointAccess, clientRequestToken: string): Promise<string>;
  /** UpdateClusterConfig turning Auto Mode's three capabilities on together. */
  enableAutoMode(name: string, request: AutoModeRequest, clientRequestToken: string): Promise<string>;
  describeUpdate(cluster: string, updateId: string, nodegroup?: string): Promise<EksUpdate>;
}
