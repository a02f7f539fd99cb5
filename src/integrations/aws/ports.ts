/**
 * Narrow ports: only the AWS calls the provisioning, teardown and status code makes, in our own
 * small types. The real adapters (./adapters/*) wrap the SDK v3 clients; nothing outside
 * src/aws sees an SDK type. A describe that finds nothing returns `undefined`.
 */
import type { InstanceTypeInfo } from './ports-compute.js';
import type { Tags } from './ports-common.js';

export type { HealthIssue, Tags } from './ports-common.js';
export * from './ports-eks.js';
export * from './ports-s3.js';

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
  /** The named instance types that exist in the region; names EC2 does not know are left out. */
  describeInstanceTypes(names: readonly string[]): Promise<InstanceTypeInfo[]>;
  /** For each named instance type, the zones of the region that offer it (none: absent). */
  instanceTypeZones(names: readonly string[]): Promise<Map<string, string[]>>;

  /** Adds or replaces tags on any EC2 resource (CreateTags). */
  tagResource(id: string, tags: Tags): Promise<void>;

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

/** An IAM OpenID Connect provider: `url` as IAM gives it back, without https://. */
export interface OidcProvider {
  arn: string;
  url: string;
  clientIds: string[];
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
  /** The roles under a path with their trust policies (ListRoles has those, decoded here); no tags. */
  listRoleTrusts(pathPrefix: string): Promise<Omit<IamRole, 'tags'>[]>;
  updateAssumeRolePolicy(name: string, trustPolicy: string): Promise<void>;
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

  /** ARNs of the account's OpenID Connect providers. */
  listOpenIdConnectProviders(): Promise<string[]>;
  getOpenIdConnectProvider(arn: string): Promise<OidcProvider | undefined>;
  /** Without thumbprints: IAM finds the issuer's certificate itself. Returns the ARN. */
  createOpenIdConnectProvider(url: string, clientIds: readonly string[], tags: Tags): Promise<string>;
  deleteOpenIdConnectProvider(arn: string): Promise<void>;
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
