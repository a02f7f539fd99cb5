/** EcrPort over @aws-sdk/client-ecr (json 1.1). */
import type * as Sdk from '@aws-sdk/client-ecr';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type { EcrImage, EcrPort, EcrRepository, Tags } from '../ports.js';
import { allPages, call, find, tagsFromList, tagsToList } from './common.js';

type Client = Sdk.ECRClient;

export class EcrAdapter implements EcrPort {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Client }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-ecr');
      return { sdk, client: abortable(new sdk.ECRClient(await sdkClientConfig(settings)), settings.signal) };
    });
  }

  private async run<T>(operation: string, fn: (sdk: typeof Sdk, client: Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.load();
    return call('ECR', operation, () => fn(sdk, client));
  }

  async describeRepository(name: string): Promise<EcrRepository | undefined> {
    const { sdk, client } = await this.load();
    const r = await find('ECR', 'DescribeRepositories', () =>
      client.send(new sdk.DescribeRepositoriesCommand({ repositoryNames: [name] })),
    );
    const repo = r?.repositories?.[0];
    return repo ? toRepo(repo) : undefined;
  }

  listRepositories(): Promise<EcrRepository[]> {
    return this.run('DescribeRepositories', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(new sdk.DescribeRepositoriesCommand({ ...(nextToken ? { nextToken } : {}) }));
        return { items: (r.repositories ?? []).map(toRepo), next: r.nextToken };
      }),
    );
  }

  listTags(arn: string): Promise<Tags> {
    return this.run('ListTagsForResource', async (sdk, c) => {
      const r = await c.send(new sdk.ListTagsForResourceCommand({ resourceArn: arn }));
      return tagsFromList(r.tags);
    });
  }

  async tagResource(arn: string, tags: Tags): Promise<void> {
    await this.run('TagResource', (sdk, c) =>
      c.send(new sdk.TagResourceCommand({ resourceArn: arn, tags: tagsToList(tags) })),
    );
  }

  createRepository(
    name: string,
    scanOnPush: boolean,
    immutableTags: boolean,
    tags: Tags,
  ): Promise<EcrRepository> {
    return this.run('CreateRepository', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateRepositoryCommand({
          repositoryName: name,
          imageScanningConfiguration: { scanOnPush },
          imageTagMutability: immutableTags ? 'IMMUTABLE' : 'MUTABLE',
          tags: tagsToList(tags),
        }),
      );
      return toRepo(r.repository ?? { repositoryName: name });
    });
  }

  async putScanOnPush(name: string, scanOnPush: boolean): Promise<void> {
    await this.run('PutImageScanningConfiguration', (sdk, c) =>
      c.send(
        new sdk.PutImageScanningConfigurationCommand({
          repositoryName: name,
          imageScanningConfiguration: { scanOnPush },
        }),
      ),
    );
  }

  async putImmutableTags(name: string, immutable: boolean): Promise<void> {
    await this.run('PutImageTagMutability', (sdk, c) =>
      c.send(
        new sdk.PutImageTagMutabilityCommand({
          repositoryName: name,
          imageTagMutability: immutable ? 'IMMUTABLE' : 'MUTABLE',
        }),
      ),
    );
  }

  async getLifecyclePolicy(name: string): Promise<string | undefined> {
    const { sdk, client } = await this.load();
    const r = await find('ECR', 'GetLifecyclePolicy', () =>
      client.send(new sdk.GetLifecyclePolicyCommand({ repositoryName: name })),
    );
    return r?.lifecyclePolicyText;
  }

  async putLifecyclePolicy(name: string, policy: string): Promise<void> {
    await this.run('PutLifecyclePolicy', (sdk, c) =>
      c.send(new sdk.PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: policy })),
    );
  }

  listImages(name: string): Promise<EcrImage[]> {
    return this.run('DescribeImages', (sdk, c) =>
      allPages(async (nextToken) => {
        const r = await c.send(
          new sdk.DescribeImagesCommand({ repositoryName: name, ...(nextToken ? { nextToken } : {}) }),
        );
        const items = (r.imageDetails ?? []).map((d) => ({
          digest: d.imageDigest ?? '',
          tags: d.imageTags ?? [],
          ...(d.imagePushedAt ? { pushedAt: d.imagePushedAt } : {}),
        }));
        return { items, next: r.nextToken };
      }),
    );
  }

  async deleteRepository(name: string, force: boolean): Promise<void> {
    await this.run('DeleteRepository', (sdk, c) =>
      c.send(new sdk.DeleteRepositoryCommand({ repositoryName: name, force })),
    );
  }
}

function toRepo(r: Sdk.Repository): EcrRepository {
  return {
    name: r.repositoryName ?? '',
    arn: r.repositoryArn ?? '',
    uri: r.repositoryUri ?? '',
    scanOnPush: r.imageScanningConfiguration?.scanOnPush === true,
    immutableTags:
      r.imageTagMutability === 'IMMUTABLE' || r.imageTagMutability === 'IMMUTABLE_WITH_EXCLUSION',
  };
}
