/**
 * Read-only views for `gitops status`: one cluster with its node groups, add-ons and ECR
 * repositories (latest image tag), and every cluster gitops manages in a region. Nothing here
 * changes anything in AWS.
 */
import type { AwsClients } from './clients.js';
import { findClusterRepositories } from './ecr.js';
import { hasAwsCode } from './errors.js';
import type { AutoModeConfig, EcrImage, EcrRepository, EndpointAccess, HealthIssue, Tags } from './ports.js';
import { isOwned } from './tags.js';
import { describeIssues } from './waiter.js';

export interface NodegroupStatus {
  name: string;
  status: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  instanceTypes: string[];
  managed: boolean;
  health?: string;
}

export interface AddonStatus {
  name: string;
  version: string;
  status: string;
  managed: boolean;
  health?: string;
}

export interface EcrRepositoryStatus {
  name: string;
  uri: string;
  imageCount: number;
  latestTag?: string;
  latestPushedAt?: string;
}

export interface ClusterStatus {
  name: string;
  region: string;
  found: boolean;
  /** Tagged as ours. */
  managed: boolean;
  status?: string;
  version?: string;
  endpoint?: string;
  arn?: string;
  /** Base64 CA bundle, for building a Kubernetes client. */
  certificateAuthority?: string;
  /** Who may reach the API endpoint (resourcesVpcConfig). */
  endpointAccess?: EndpointAccess;
  /** EKS Auto Mode, as DescribeCluster reports it. */
  autoMode?: AutoModeConfig;
  /** The cluster's tags (bootstrap records its workload identities there). */
  tags?: Tags;
  health?: string;
  nodeGroups: NodegroupStatus[];
  addons: AddonStatus[];
  ecrRepositories: EcrRepositoryStatus[];
}

export interface StatusOptions {
  /** Repositories to report; without it, the ones tagged for the cluster (a registry scan). */
  ecrRepositories?: readonly string[];
}

export async function describeClusterStatus(
  aws: AwsClients,
  name: string,
  options: StatusOptions = {},
): Promise<ClusterStatus> {
  const [cluster, ecrRepositories] = await Promise.all([
    aws.eks.describeCluster(name),
    ecrStatus(aws, name, options.ecrRepositories),
  ]);
  const base = { name, region: aws.region, ecrRepositories };
  if (!cluster) return { ...base, found: false, managed: false, nodeGroups: [], addons: [] };
  const [nodeGroups, addons] = await Promise.all([nodegroupStatus(aws, name), addonStatus(aws, name)]);
  return {
    ...base,
    found: true,
    managed: isOwned(cluster.tags, name),
    status: cluster.status,
    version: cluster.version,
    arn: cluster.arn,
    tags: cluster.tags,
    ...(cluster.endpoint ? { endpoint: cluster.endpoint } : {}),
    ...(cluster.certificateAuthority ? { certificateAuthority: cluster.certificateAuthority } : {}),
    ...(cluster.endpointAccess ? { endpointAccess: cluster.endpointAccess } : {}),
    ...(cluster.autoMode ? { autoMode: cluster.autoMode } : {}),
    ...health(cluster.health),
    nodeGroups,
    addons,
  };
}

export interface ManagedClusterSummary {
  name: string;
  region: string;
  status: string;
  version: string;
  arn: string;
}

/** Clusters in the client's region that carry our tags, described concurrently. */
export async function listManagedClusters(aws: AwsClients): Promise<ManagedClusterSummary[]> {
  const names = await aws.eks.listClusters();
  const clusters = await Promise.all(names.map((n) => aws.eks.describeCluster(n)));
  return clusters
    .filter((c) => c !== undefined && isOwned(c.tags, c.name))
    .map((c) => ({ name: c!.name, region: aws.region, status: c!.status, version: c!.version, arn: c!.arn }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function nodegroupStatus(aws: AwsClients, cluster: string): Promise<NodegroupStatus[]> {
  const names = await orEmpty(aws.eks.listNodegroups(cluster));
  const groups = await Promise.all(names.map((n) => aws.eks.describeNodegroup(cluster, n)));
  return groups.flatMap((g) =>
    g
      ? [
          {
            name: g.name,
            status: g.status,
            ...g.scaling,
            instanceTypes: g.instanceTypes,
            managed: isOwned(g.tags, cluster),
            ...health(g.health),
          },
        ]
      : [],
  );
}

async function addonStatus(aws: AwsClients, cluster: string): Promise<AddonStatus[]> {
  const names = await orEmpty(aws.eks.listAddons(cluster));
  const addons = await Promise.all(names.map((n) => aws.eks.describeAddon(cluster, n)));
  return addons.flatMap((a) =>
    a
      ? [
          {
            name: a.name,
            version: a.version,
            status: a.status,
            managed: isOwned(a.tags, cluster),
            ...health(a.health),
          },
        ]
      : [],
  );
}

async function ecrStatus(
  aws: AwsClients,
  cluster: string,
  names?: readonly string[],
): Promise<EcrRepositoryStatus[]> {
  let repos: EcrRepository[];
  if (names === undefined) repos = await findClusterRepositories(aws, cluster);
  else
    repos = (await Promise.all(names.map((n) => aws.ecr.describeRepository(n)))).filter(
      (r) => r !== undefined,
    );
  return Promise.all(
    repos.map(async (r) => {
      const images = await aws.ecr.listImages(r.name);
      const latest = latestTagged(images);
      return {
        name: r.name,
        uri: r.uri,
        imageCount: images.length,
        ...(latest?.tags[0] ? { latestTag: latest.tags[0] } : {}),
        ...(latest?.pushedAt ? { latestPushedAt: latest.pushedAt.toISOString() } : {}),
      };
    }),
  );
}

/** The most recently pushed image that has a tag. */
export function latestTagged(images: readonly EcrImage[]): EcrImage | undefined {
  let best: EcrImage | undefined;
  for (const img of images) {
    if (img.tags.length === 0) continue;
    if (!best || (img.pushedAt?.getTime() ?? 0) >= (best.pushedAt?.getTime() ?? 0)) best = img;
  }
  return best;
}

function health(issues: readonly HealthIssue[]): { health?: string } {
  return issues.length > 0 ? { health: describeIssues(issues) } : {};
}

async function orEmpty(p: Promise<string[]>): Promise<string[]> {
  try {
    return await p;
  } catch (e) {
    if (hasAwsCode(e, 'ResourceNotFoundException')) return [];
    throw e;
  }
}
