/**
 * Narrow ports: only the AWS calls the provisioning, teardown and status code makes, in our own
 * small types. The real adapters (./adapters/*) wrap the SDK v3 clients; nothing outside
 * src/aws sees an SDK type. A describe that finds nothing returns `undefined`.
 */
import type { Taint } from '../../spec/schema.js';

export type Tags = Record<string, string>;

/** A health problem AWS reports for a resource (cluster, node group, add-on, NAT gateway). */
export interface HealthIssue {
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------- EKS

export interface EksCluster {
  name: string;
  arn: string;
  status: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  endpoint?: string;
  /** Base64 PEM, as AWS returns it. */
  certificateAuthority?: string;
  authenticationMode?: string;
  createdAt?: Date;
  tags: Tags;
  health: HealthIssue[];
}

export interface CreateClusterInput {
  name: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  tags: Tags;
  clientRequestToken: string;
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
}

export interface AccessEntry {
  principalArn: string;
  type?: string;
  tags: Tags;
}

export interface EksPort {
  listClusters(): Promise<string[]>;
  describeCluster(name: string): Promise<EksCluster | undefined>;
  createCluster(input: CreateClusterInput): Promise<EksCluster>;
  deleteCluster(name: string): Promise<void>;
  tagResource(arn: string, tags: Tags): Promise<void>;

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
  createAccessEntry(
    cluster: string,
    principalArn: string,
    tags: Tags,
    clientRequestToken: string,
  ): Promise<void>;
  /** Policy ARNs associated with the entry. */
  listAssociatedAccessPolicies(cluster: string, principalArn: string): Promise<string[]>;
  associateClusterAccessPolicy(cluster: string, principalArn: string, policyArn: string): Promise<void>;
  deleteAccessEntry(cluster: string, principalArn: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------- EC2

/** Narrows a describe: by tags (all must match), by VPC, or by ids. */
export interface Ec2Filter {
  tags?: Tags;
  vpcId?: string;
  ids?: string[];
}

export interface Vpc {
  id: string;
  cidr: string;
  state: string;
  tags: Tags;
}

export interface Subnet {
  id: string;
  vpcId: string;
  availabilityZone: string;
  cidr: string;
  mapPublicIpOnLaunch: boolean;
  tags: Tags;
}

export interface InternetGateway {
  id: string;
  attachedVpcIds: string[];
  tags: Tags;
}

export interface Route {
  destination: string;
  gatewayId?: string;
  natGatewayId?: string;
  state?: string;
}

export interface RouteTable {
  id: string;
  vpcId: string;
  main: boolean;
  associations: { id: string; subnetId?: string; main: boolean }[];
  routes: Route[];
  tags: Tags;
}

export interface ElasticIp {
  allocationId: string;
  publicIp?: string;
  associationId?: string;
  tags: Tags;
}

export interface NatGateway {
  id: string;
  vpcId: string;
  subnetId: string;
  state: string;
  allocationIds: string[];
  failure?: string;
  tags: Tags;
}

export interface Ec2Port {
  availabilityZones(): Promise<string[]>;

  describeVpcs(filter: Ec2Filter): Promise<Vpc[]>;
  createVpc(cidr: string, tags: Tags): Promise<Vpc>;
  enableVpcDns(vpcId: string): Promise<void>;
  deleteVpc(vpcId: string): Promise<void>;

  describeSubnets(filter: Ec2Filter): Promise<Subnet[]>;
  createSubnet(vpcId: string, cidr: string, availabilityZone: string, tags: Tags): Promise<Subnet>;
  mapPublicIpOnLaunch(subnetId: string): Promise<void>;
  deleteSubnet(subnetId: string): Promise<void>;

  describeInternetGateways(filter: Ec2Filter): Promise<InternetGateway[]>;
  createInternetGateway(tags: Tags): Promise<InternetGateway>;
  attachInternetGateway(igwId: string, vpcId: string): Promise<void>;
  detachInternetGateway(igwId: string, vpcId: string): Promise<void>;
  deleteInternetGateway(igwId: string): Promise<void>;

  describeRouteTables(filter: Ec2Filter): Promise<RouteTable[]>;
  createRouteTable(vpcId: string, tags: Tags, clientToken: string): Promise<RouteTable>;
  createRoute(routeTableId: string, destination: string, target: RouteTarget): Promise<void>;
  replaceRoute(routeTableId: string, destination: string, target: RouteTarget): Promise<void>;
  associateRouteTable(routeTableId: string, subnetId: string): Promise<void>;
  disassociateRouteTable(associationId: string): Promise<void>;
  deleteRouteTable(routeTableId: string): Promise<void>;

  describeAddresses(filter: Ec2Filter): Promise<ElasticIp[]>;
  allocateAddress(tags: Tags): Promise<ElasticIp>;
  releaseAddress(allocationId: string): Promise<void>;

  describeNatGateways(filter: Ec2Filter): Promise<NatGateway[]>;
  createNatGateway(
    subnetId: string,
    allocationId: string,
    tags: Tags,
    clientToken: string,
  ): Promise<NatGateway>;
  deleteNatGateway(natGatewayId: string): Promise<void>;
}

export type RouteTarget = { gatewayId: string } | { natGatewayId: string };

// ---------------------------------------------------------------------------------------- IAM

export interface IamRole {
  name: string;
  arn: string;
  /** The trust policy, decoded. */
  trustPolicy: string;
  tags: Tags;
}

export interface IamPort {
  getRole(name: string): Promise<IamRole | undefined>;
  /** `path` (default `/`) groups roles so that ListRoles can find them again. */
  createRole(
    name: string,
    trustPolicy: string,
    description: string,
    tags: Tags,
    path?: string,
  ): Promise<IamRole>;
  /** Names of the roles under a path; ListRoles returns no tags, GetRole does. */
  listRoles(pathPrefix: string): Promise<string[]>;
  listRolePolicies(name: string): Promise<string[]>;
  /** The inline policy's document, decoded; undefined when the role has no such policy. */
  getRolePolicy(name: string, policyName: string): Promise<string | undefined>;
  putRolePolicy(name: string, policyName: string, document: string): Promise<void>;
  deleteRolePolicy(name: string, policyName: string): Promise<void>;
  tagRole(name: string, tags: Tags): Promise<void>;
  listAttachedRolePolicies(name: string): Promise<string[]>;
  attachRolePolicy(name: string, policyArn: string): Promise<void>;
  detachRolePolicy(name: string, policyArn: string): Promise<void>;
  deleteRole(name: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------- ECR

export interface EcrRepository {
  name: string;
  arn: string;
  uri: string;
  scanOnPush: boolean;
  immutableTags: boolean;
}

export interface EcrImage {
  digest: string;
  tags: string[];
  pushedAt?: Date;
}

export interface EcrPort {
  describeRepository(name: string): Promise<EcrRepository | undefined>;
  listRepositories(): Promise<EcrRepository[]>;
  listTags(arn: string): Promise<Tags>;
  tagResource(arn: string, tags: Tags): Promise<void>;
  createRepository(
    name: string,
    scanOnPush: boolean,
    immutableTags: boolean,
    tags: Tags,
  ): Promise<EcrRepository>;
  putScanOnPush(name: string, scanOnPush: boolean): Promise<void>;
  putImmutableTags(name: string, immutable: boolean): Promise<void>;
  getLifecyclePolicy(name: string): Promise<string | undefined>;
  putLifecyclePolicy(name: string, policy: string): Promise<void>;
  listImages(name: string): Promise<EcrImage[]>;
  deleteRepository(name: string, force: boolean): Promise<void>;
}

// ---------------------------------------------------------------------------------------- STS

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface StsPort {
  getCallerIdentity(): Promise<CallerIdentity>;
}
