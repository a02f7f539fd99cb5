/** EksPort over @aws-sdk/client-eks (rest-json). */
import type * as Sdk from '@aws-sdk/client-eks';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type {
  AccessEntry,
  AddonIdentity,
  AutoModeRequest,
  AddonVersion,
  ClusterVersion,
  CreateAddonInput,
  CreateClusterInput,
  CreateNodegroupInput,
  CreatePodIdentityInput,
  EksAddon,
  EksCluster,
  EksNodegroup,
  EksPort,
  EksUpdate,
  EndpointAccess,
  PodIdentityAssociation,
  Tags,
  UpdateNodegroupInput,
} from '../ports.js';
import { allPages, call, find } from './common.js';
import * as access from './eks-access.js';
import * as autoMode from './eks-automode.js';
import * as podIdentity from './eks-pod-identity.js';
import { toAddon, toAwsTaint, toCluster, toNodegroup } from './eks-shapes.js';
import * as updates from './eks-updates.js';
import { zonesNamed } from '../errors.js';

export class EksAdapter implements EksPort {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Sdk.EKSClient }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-eks');
      return { sdk, client: abortable(new sdk.EKSClient(await sdkClientConfig(settings)), settings.signal) };
    });
  }

  private async run<T>(
    operation: string,
    fn: (sdk: typeof Sdk, client: Sdk.EKSClient) => Promise<T>,
  ): Promise<T> {
    const { sdk, client } = await this.load();
    return call('EKS', operation, () => fn(sdk, client));
  }

  private readonly runner: updates.EksRun = (operation, fn) => this.run(operation, fn);

  private async describe<T>(operation: string, fn: (sdk: typeof Sdk, client: Sdk.EKSClient) => Promise<T>) {
    const { sdk, client } = await this.load();
    return find('EKS', operation, () => fn(sdk, client));
  }

  listClusters(): Promise<string[]> {
    return this.run('ListClusters', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(new sdk.ListClustersCommand({ ...(nextToken ? { nextToken } : {}) }));
        return { items: r.clusters ?? [], next: r.nextToken };
      }),
    );
  }

  async describeCluster(name: string): Promise<EksCluster | undefined> {
    const r = await this.describe('DescribeCluster', (sdk, c) =>
      c.send(new sdk.DescribeClusterCommand({ name })),
    );
    return r?.cluster ? toCluster(r.cluster) : undefined;
  }

  async createCluster(input: CreateClusterInput): Promise<EksCluster> {
    const r = await this.run('CreateCluster', (sdk, c) =>
      zonesNamed(
        c.send(
          new sdk.CreateClusterCommand({
            name: input.name,
            version: input.version,
            roleArn: input.roleArn,
            resourcesVpcConfig: { subnetIds: input.subnetIds, ...updates.vpcAccess(input.endpointAccess) },
            ...(input.autoMode ? autoMode.createMembers(input.autoMode) : {}),
            accessConfig: {
              // Auto Mode's nodes join through access entries; AWS creates its clusters with API.
              authenticationMode: input.autoMode ? 'API' : 'API_AND_CONFIG_MAP',
              bootstrapClusterCreatorAdminPermissions: true,
            },
            tags: input.tags,
            clientRequestToken: input.clientRequestToken,
          }),
        ),
      ),
    );
    return toCluster(r.cluster ?? {});
  }

  async deleteCluster(name: string): Promise<void> {
    await this.run('DeleteCluster', (sdk, c) => c.send(new sdk.DeleteClusterCommand({ name })));
  }

  async tagResource(arn: string, tags: Tags): Promise<void> {
    await this.run('TagResource', (sdk, c) => c.send(new sdk.TagResourceCommand({ resourceArn: arn, tags })));
  }

  async untagResource(arn: string, keys: readonly string[]): Promise<void> {
    await this.run('UntagResource', (sdk, c) =>
      c.send(new sdk.UntagResourceCommand({ resourceArn: arn, tagKeys: [...keys] })),
    );
  }

  listNodegroups(cluster: string): Promise<string[]> {
    return this.run('ListNodegroups', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(
          new sdk.ListNodegroupsCommand({ clusterName: cluster, ...(nextToken ? { nextToken } : {}) }),
        );
        return { items: r.nodegroups ?? [], next: r.nextToken };
      }),
    );
  }

  async describeNodegroup(cluster: string, name: string): Promise<EksNodegroup | undefined> {
    const r = await this.describe('DescribeNodegroup', (sdk, c) =>
      c.send(new sdk.DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name })),
    );
    return r?.nodegroup ? toNodegroup(r.nodegroup) : undefined;
  }

  async createNodegroup(input: CreateNodegroupInput): Promise<EksNodegroup> {
    const r = await this.run('CreateNodegroup', (sdk, c) =>
      c.send(
        new sdk.CreateNodegroupCommand({
          clusterName: input.clusterName,
          nodegroupName: input.name,
          nodeRole: input.nodeRoleArn,
          subnets: input.subnetIds,
          instanceTypes: input.instanceTypes,
          amiType: input.amiType as Sdk.AMITypes,
          capacityType: input.capacityType as Sdk.CapacityTypes,
          diskSize: input.diskSize,
          scalingConfig: input.scaling,
          labels: input.labels,
          taints: input.taints.map(toAwsTaint),
          tags: input.tags,
          clientRequestToken: input.clientRequestToken,
        }),
      ),
    );
    return toNodegroup(r.nodegroup ?? {});
  }

  async updateNodegroupConfig(input: UpdateNodegroupInput): Promise<void> {
    await this.run('UpdateNodegroupConfig', (sdk, c) =>
      c.send(
        new sdk.UpdateNodegroupConfigCommand({
          clusterName: input.clusterName,
          nodegroupName: input.name,
          clientRequestToken: input.clientRequestToken,
          ...(input.scaling ? { scalingConfig: input.scaling } : {}),
          ...(input.labels
            ? { labels: { addOrUpdateLabels: input.labels.addOrUpdate, removeLabels: input.labels.remove } }
            : {}),
          ...(input.taints
            ? {
                taints: {
                  addOrUpdateTaints: input.taints.addOrUpdate.map(toAwsTaint),
                  removeTaints: input.taints.remove.map(toAwsTaint),
                },
              }
            : {}),
        }),
      ),
    );
  }

  async deleteNodegroup(cluster: string, name: string): Promise<void> {
    await this.run('DeleteNodegroup', (sdk, c) =>
      c.send(new sdk.DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: name })),
    );
  }

  listAddons(cluster: string): Promise<string[]> {
    return this.run('ListAddons', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(
          new sdk.ListAddonsCommand({ clusterName: cluster, ...(nextToken ? { nextToken } : {}) }),
        );
        return { items: r.addons ?? [], next: r.nextToken };
      }),
    );
  }

  async describeAddon(cluster: string, name: string): Promise<EksAddon | undefined> {
    const r = await this.describe('DescribeAddon', (sdk, c) =>
      c.send(new sdk.DescribeAddonCommand({ clusterName: cluster, addonName: name })),
    );
    return r?.addon ? toAddon(r.addon) : undefined;
  }

  describeClusterVersions(): Promise<ClusterVersion[]> {
    return this.run('DescribeClusterVersions', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(
          new sdk.DescribeClusterVersionsCommand({ clusterType: 'eks', ...(nextToken ? { nextToken } : {}) }),
        );
        const items: ClusterVersion[] = (r.clusterVersions ?? []).flatMap((v) =>
          v.clusterVersion === undefined
            ? []
            : [
                {
                  version: v.clusterVersion,
                  status: v.versionStatus ?? v.status ?? 'UNKNOWN',
                  isDefault: v.defaultVersion === true,
                  ...(v.endOfStandardSupportDate ? { endOfStandardSupport: v.endOfStandardSupportDate } : {}),
                  ...(v.endOfExtendedSupportDate ? { endOfExtendedSupport: v.endOfExtendedSupportDate } : {}),
                },
              ],
        );
        return { items, next: r.nextToken };
      }),
    );
  }

  describeAddonVersions(name: string, kubernetesVersion: string): Promise<AddonVersion[]> {
    return this.run('DescribeAddonVersions', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(
          new sdk.DescribeAddonVersionsCommand({
            addonName: name,
            kubernetesVersion,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        const items: AddonVersion[] = [];
        for (const addon of r.addons ?? []) {
          if (addon.addonName !== undefined && addon.addonName !== name) continue;
          for (const v of addon.addonVersions ?? []) {
            const compat = (v.compatibilities ?? []).filter((x) => x.clusterVersion === kubernetesVersion);
            if (v.addonVersion === undefined || compat.length === 0) continue;
            items.push({ version: v.addonVersion, isDefault: compat.some((x) => x.defaultVersion === true) });
          }
        }
        return { items, next: r.nextToken };
      }),
    );
  }

  async createAddon(input: CreateAddonInput): Promise<EksAddon> {
    const r = await this.run('CreateAddon', (sdk, c) =>
      c.send(
        new sdk.CreateAddonCommand({
          clusterName: input.clusterName,
          addonName: input.name,
          addonVersion: input.version,
          // EKS installs vpc-cni, kube-proxy and coredns itself; the managed add-on takes them over.
          resolveConflicts: 'OVERWRITE',
          tags: input.tags,
          clientRequestToken: input.clientRequestToken,
          ...(input.podIdentityAssociations?.length
            ? { podIdentityAssociations: input.podIdentityAssociations }
            : {}),
          ...(input.configurationValues ? { configurationValues: input.configurationValues } : {}),
        }),
      ),
    );
    return toAddon(r.addon ?? {});
  }

  updateAddon(cluster: string, name: string, version: string, clientRequestToken: string): Promise<void> {
    return this.sendUpdateAddon(cluster, name, { addonVersion: version }, clientRequestToken);
  }

  updateAddonConfiguration(cluster: string, name: string, values: string, token: string): Promise<void> {
    return this.sendUpdateAddon(cluster, name, { configurationValues: values }, token);
  }

  /** One UpdateAddon call for one change: a version or a configuration, never both at once. */
  private async sendUpdateAddon(
    cluster: string,
    addonName: string,
    change: { addonVersion: string } | { configurationValues: string },
    clientRequestToken: string,
  ): Promise<void> {
    await this.run('UpdateAddon', (sdk, c) =>
      c.send(
        new sdk.UpdateAddonCommand({
          clusterName: cluster,
          addonName,
          ...change,
          resolveConflicts: 'OVERWRITE',
          clientRequestToken,
        }),
      ),
    );
  }

  async updateAddonIdentities(
    cluster: string,
    name: string,
    associations: AddonIdentity[],
    clientRequestToken: string,
  ): Promise<void> {
    await this.run('UpdateAddon', (sdk, c) =>
      podIdentity.updateAddonAssociations(sdk, c, cluster, name, associations, clientRequestToken),
    );
  }

  listPodIdentityAssociations(cluster: string): Promise<PodIdentityAssociation[]> {
    return this.run('ListPodIdentityAssociations', (sdk, c) => podIdentity.listAssociations(sdk, c, cluster));
  }

  describePodIdentityAssociation(cluster: string, id: string): Promise<PodIdentityAssociation | undefined> {
    return this.describe('DescribePodIdentityAssociation', (sdk, c) =>
      podIdentity.describeAssociation(sdk, c, cluster, id),
    );
  }

  createPodIdentityAssociation(input: CreatePodIdentityInput): Promise<PodIdentityAssociation> {
    return this.run('CreatePodIdentityAssociation', (sdk, c) => podIdentity.createAssociation(sdk, c, input));
  }

  async updatePodIdentityAssociation(cluster: string, id: string, roleArn: string): Promise<void> {
    await this.run('UpdatePodIdentityAssociation', (sdk, c) =>
      podIdentity.updateAssociation(sdk, c, cluster, id, roleArn),
    );
  }

  async deletePodIdentityAssociation(cluster: string, id: string): Promise<void> {
    await this.run('DeletePodIdentityAssociation', (sdk, c) =>
      podIdentity.deleteAssociation(sdk, c, cluster, id),
    );
  }

  async deleteAddon(cluster: string, name: string): Promise<void> {
    await this.run('DeleteAddon', (sdk, c) =>
      c.send(new sdk.DeleteAddonCommand({ clusterName: cluster, addonName: name })),
    );
  }

  listAccessEntries(cluster: string): Promise<string[]> {
    return access.listAccessEntries(this.runner, cluster);
  }

  describeAccessEntry(cluster: string, principalArn: string): Promise<AccessEntry | undefined> {
    return access.describeAccessEntry((op, fn) => this.describe(op, fn), cluster, principalArn);
  }

  createAccessEntry(
    cluster: string,
    principalArn: string,
    tags: Tags,
    clientRequestToken: string,
    type?: string,
  ) {
    return access.createAccessEntry(this.runner, cluster, principalArn, tags, clientRequestToken, type);
  }

  listAssociatedAccessPolicies(cluster: string, principalArn: string): Promise<string[]> {
    return access.listAssociatedAccessPolicies(this.runner, cluster, principalArn);
  }

  associateClusterAccessPolicy(cluster: string, principalArn: string, policyArn: string): Promise<void> {
    return access.associateClusterAccessPolicy(this.runner, cluster, principalArn, policyArn);
  }

  deleteAccessEntry(cluster: string, principalArn: string): Promise<void> {
    return access.deleteAccessEntry(this.runner, cluster, principalArn);
  }

  updateClusterVersion(name: string, version: string, token: string): Promise<string> {
    return updates.updateClusterVersion(this.runner, name, version, token);
  }

  updateNodegroupVersion(
    cluster: string,
    nodegroup: string,
    version: string,
    token: string,
  ): Promise<string> {
    return updates.updateNodegroupVersion(this.runner, cluster, nodegroup, version, token);
  }

  updateEndpointAccess(name: string, access: EndpointAccess, token: string): Promise<string> {
    return updates.updateEndpointAccess(this.runner, name, access, token);
  }

  enableAutoMode(name: string, request: AutoModeRequest, token: string): Promise<string> {
    return autoMode.enableAutoMode(this.runner, name, request, token);
  }

  describeUpdate(cluster: string, updateId: string, nodegroup?: string): Promise<EksUpdate> {
    return updates.describeUpdate(this.runner, cluster, updateId, nodegroup);
  }
}
