import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ImageNotFoundException,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  paginateDescribeRepositories,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let ecr: ECRClient;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  ecr = new ECRClient(clientConfig(emu));
});
afterAll(async () => {
  await emu.stop();
});

const lifecyclePolicy = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep 30 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
      action: { type: 'expire' },
    },
  ],
});

describe('ECR', () => {
  it('creates a repository with scanning, immutability, tags and a lifecycle policy', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'research/trainer',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'gitops.dev/cluster', Value: 'research' }],
      }),
    );
    const repo = created.repository!;
    expect(repo.repositoryUri).toBe('123456789012.dkr.ecr.us-west-2.amazonaws.com/research/trainer');
    expect(repo.createdAt).toBeInstanceOf(Date);
    expect(repo.imageScanningConfiguration?.scanOnPush).toBe(true);

    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: 'research/trainer',
        lifecyclePolicyText: lifecyclePolicy,
      }),
    );
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'research/trainer' }));
    expect(JSON.parse(got.lifecyclePolicyText!)).toEqual(JSON.parse(lifecyclePolicy));

    await ecr.send(
      new PutImageScanningConfigurationCommand({
        repositoryName: 'research/trainer',
        imageScanningConfiguration: { scanOnPush: false },
      }),
    );
    await ecr.send(
      new PutImageTagMutabilityCommand({ repositoryName: 'research/trainer', imageTagMutability: 'MUTABLE' }),
    );
    const described = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['research/trainer'] }),
    );
    expect(described.repositories?.[0]).toMatchObject({
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
    });

    await ecr.send(
      new TagResourceCommand({
        resourceArn: repo.repositoryArn!,
        tags: [{ Key: 'gitops.dev/managed-by', Value: 'gitops' }],
      }),
    );
    await ecr.send(
      new UntagResourceCommand({ resourceArn: repo.repositoryArn!, tagKeys: ['gitops.dev/cluster'] }),
    );
    const tags = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn! }));
    expect(tags.tags).toEqual([{ Key: 'gitops.dev/managed-by', Value: 'gitops' }]);
    expect(emu.state().ecr.repositories[0]).toMatchObject({
      repositoryName: 'research/trainer',
      lifecyclePolicyText: lifecyclePolicy,
    });
  });

  it('paginates DescribeRepositories with maxResults', async () => {
    for (let i = 0; i < 5; i++)
      await ecr.send(new CreateRepositoryCommand({ repositoryName: `paged/repo-${i}` }));
    const first = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
    expect(first.repositories).toHaveLength(2);
    expect(first.nextToken).toBeTruthy();
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 2 }, {})) {
      pages++;
      names.push(...(page.repositories ?? []).map((r) => r.repositoryName!));
    }
    expect(names.filter((n) => n.startsWith('paged/'))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `paged/repo-${i}`),
    );
    expect(pages).toBe(Math.ceil(names.length / 2));
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: 'garbage' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('describes and deletes images, and refuses to delete a non-empty repository without force', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'images/app' }));
    emu.pushImage('images/app', 'v1');
    emu.pushImage('images/app', 'v2', `sha256:${'b'.repeat(64)}`);
    emu.pushImage('images/app', 'latest', `sha256:${'b'.repeat(64)}`);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'images/app' }));
    // ECR lists images in no documented order.
    expect(images.imageDetails?.map((i) => i.imageTags).sort()).toEqual([['v1'], ['v2', 'latest']]);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'images/app', imageIds: [{ imageTag: 'nope' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);

    const del = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'images/app',
        imageIds: [{ imageTag: 'latest' }, { imageTag: 'gone' }],
      }),
    );
    expect(del.imageIds).toHaveLength(1);
    expect(del.failures?.[0]?.failureCode).toBe('ImageNotFound');
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName: 'images/app' }));
    expect(left.imageDetails?.map((i) => i.imageTags).sort()).toEqual([['v1'], ['v2']]);

    await expect(
      ecr.send(new DeleteRepositoryCommand({ repositoryName: 'images/app' })),
    ).rejects.toBeInstanceOf(RepositoryNotEmptyException);
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'images/app', force: true }));
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['images/app'] })),
    ).rejects.toBeInstanceOf(RepositoryNotFoundException);
  });

  it('raises typed exceptions for duplicates, bad names, bad policies and missing policies', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }));
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }))).rejects.toBeInstanceOf(
      RepositoryAlreadyExistsException,
    );
    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'dup' }))).rejects.toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
    await expect(
      ecr.send(
        new PutLifecyclePolicyCommand({
          repositoryName: 'dup',
          lifecyclePolicyText: '{"rules":[{"rulePriority":1}]}',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'never' }))).rejects.toBeInstanceOf(
      RepositoryNotFoundException,
    );
  });

  it('hands out a docker login token for the registry endpoint', async () => {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData![0]!;
    expect(Buffer.from(data.authorizationToken!, 'base64').toString()).toMatch(/^AWS:/);
    expect(data.proxyEndpoint).toBe('https://123456789012.dkr.ecr.us-west-2.amazonaws.com');
    expect(data.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });
});
