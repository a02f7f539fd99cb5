import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  InvalidParameterException,
  ListImagesCommand,
  paginateDescribeImages,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

// What an image-automation stand-in reads from ECR: tags, digests and push times of the images
// pushed through the emulator's admin route, page by page, in no particular order.

let emu: RunningEmulator;
let ecr: ECRClient;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const hour = 3_600_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  ecr = new ECRClient(clientConfig(emu));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ml/trainer' }));
  // Pushed oldest first, with digests in the opposite order of their push times.
  emu.pushImage('ml/trainer', '1.0.0', digest('f'), new Date(t0));
  emu.pushImage('ml/trainer', '1.1.0', digest('c'), new Date(t0 + hour));
  emu.pushImage('ml/trainer', 'latest', digest('c'));
  emu.pushImage('ml/trainer', '1.2.0', digest('a'), new Date(t0 + 2 * hour));
  // Moving `latest` leaves 1.1.0 on its image; an image that loses its only tag stays, untagged.
  emu.pushImage('ml/trainer', 'latest', digest('a'));
  emu.pushImage('ml/trainer', 'tmp', digest('e'), new Date(t0 + 3 * hour));
  emu.pushImage('ml/trainer', 'tmp', digest('d'), new Date(t0 + 4 * hour));
});
afterAll(async () => {
  await emu.stop();
});

describe('ECR image listing', () => {
  it('DescribeImages gives digests, tags and the time of the first push', async () => {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'ml/trainer' }));
    const byDigest = new Map(out.imageDetails!.map((d) => [d.imageDigest, d]));
    expect(byDigest.get(digest('a'))).toMatchObject({
      imageTags: ['1.2.0', 'latest'],
      registryId: '123456789012',
    });
    expect(byDigest.get(digest('a'))?.imagePushedAt).toEqual(new Date(t0 + 2 * hour));
    // Tagging an image again does not change when it was pushed.
    expect(byDigest.get(digest('c'))?.imageTags).toEqual(['1.1.0']);
    expect(byDigest.get(digest('c'))?.imagePushedAt).toEqual(new Date(t0 + hour));
    expect(byDigest.get(digest('e'))?.imageTags).toBeUndefined();
    expect(byDigest.get(digest('d'))?.imageSizeInBytes).toBeGreaterThan(0);
    // The order says nothing about push time: the newest is found by imagePushedAt.
    const order = out.imageDetails!.map((d) => d.imageDigest);
    expect(order).toEqual([digest('a'), digest('c'), digest('d'), digest('e'), digest('f')]);
    const newest = [...out.imageDetails!].sort(
      (x, y) => y.imagePushedAt!.getTime() - x.imagePushedAt!.getTime(),
    )[0];
    expect(newest?.imageTags).toEqual(['tmp']);
  });

  it('filters on tag status and pages with maxResults / nextToken', async () => {
    const tagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'ml/trainer', filter: { tagStatus: 'TAGGED' } }),
    );
    expect(tagged.imageDetails).toHaveLength(4);
    const untagged = await ecr.send(
      new ListImagesCommand({ repositoryName: 'ml/trainer', filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageIds).toEqual([{ imageDigest: digest('e') }]);
    const sizes: number[] = [];
    for await (const page of paginateDescribeImages(
      { client: ecr, pageSize: 2 },
      { repositoryName: 'ml/trainer' },
    )) {
      sizes.push(page.imageDetails?.length ?? 0);
    }
    expect(sizes).toEqual([2, 2, 1]);
    // ListImages: one entry per tag, untagged images once by digest.
    const ids: string[] = [];
    for await (const page of paginateListImages(
      { client: ecr, pageSize: 4 },
      { repositoryName: 'ml/trainer' },
    )) {
      ids.push(...(page.imageIds ?? []).map((i) => i.imageTag ?? `<${i.imageDigest?.slice(7, 8)}>`));
    }
    expect(ids.sort()).toEqual(['1.0.0', '1.1.0', '1.2.0', '<e>', 'latest', 'tmp']);
  });

  it('refuses what ECR refuses', async () => {
    for (const input of [
      { repositoryName: 'ml/trainer', maxResults: 0 },
      { repositoryName: 'ml/trainer', maxResults: 1001 },
      { repositoryName: 'ml/trainer', imageIds: [{ imageTag: 'tmp' }], maxResults: 1 },
    ]) {
      await expect(ecr.send(new DescribeImagesCommand(input))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
    }
    await expect(
      ecr.send(
        new ListImagesCommand({ repositoryName: 'ml/trainer', filter: { tagStatus: 'SOME' as 'ANY' } }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('pushes through the admin route, which refuses to move a tag in an immutable repository', async () => {
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'ml/frozen', imageTagMutability: 'IMMUTABLE' }),
    );
    const push = (body: unknown) =>
      fetch(`${emu.url}/_emulator/images`, { method: 'POST', body: JSON.stringify(body) });
    const first = await push({
      repository: 'ml/frozen',
      tag: 'v1',
      digest: digest('1'),
      pushedAt: '2026-02-01T00:00:00Z',
    });
    expect(await first.json()).toEqual({
      ok: true,
      digest: digest('1'),
      pushedAt: '2026-02-01T00:00:00.000Z',
    });
    const moved = await push({ repository: 'ml/frozen', tag: 'v1', digest: digest('2') });
    expect(moved.status).toBe(400);
    expect(JSON.stringify(await moved.json())).toContain('ImageTagAlreadyExistsException');
    expect((await push({ repository: 'ml/frozen', tag: 'v1', digest: 'latest' })).status).toBe(400);
  });
});
