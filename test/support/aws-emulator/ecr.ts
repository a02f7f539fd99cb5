// ECR (json-1.1 protocol, X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>).

import type { EmulatorContext } from './context.js';
import type { Image, Repository } from './ecr-store.js';
import { type EcrOp, epoch, invalidParameter, repoOrThrow } from './ecr-common.js';
import { ecrLifecyclePolicyOps } from './ecr-policy.js';
import { AwsError } from './errors.js';
import { JsonInput } from './json-input.js';
import { paginate } from './paging.js';
import { jsonReply } from './protocol.js';
import type { ServiceModule, Tag } from './service.js';

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const NAME_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function repoView(ctx: EmulatorContext, r: Repository): Record<string, unknown> {
  return {
    repositoryArn: r.arn,
    registryId: ctx.accountId,
    repositoryName: r.name,
    repositoryUri: r.uri,
    createdAt: epoch(r.createdAt),
    imageTagMutability: r.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: { encryptionType: r.encryptionType, ...(r.kmsKey ? { kmsKey: r.kmsKey } : {}) },
  };
}

function readTags(list: JsonInput[] | undefined): Tag[] {
  const tags = (list ?? []).map((t) => ({ Key: t.required('Key'), Value: t.str('Value') ?? '' }));
  if (tags.length > 50)
    throw new AwsError('TooManyTagsException', 'A repository can have at most 50 tags.', 400);
  for (const t of tags) {
    if (t.Key.toLowerCase().startsWith('aws:') || t.Key.length > 128 || t.Value.length > 256) {
      throw new AwsError('InvalidTagParameterException', `Invalid tag ${t.Key}.`, 400);
    }
  }
  return tags;
}

function repoByArn(ctx: EmulatorContext, arn: string): Repository {
  const m = /^arn:aws:ecr:[a-z0-9-]+:\d{12}:repository\/(.+)$/.exec(arn);
  if (!m) throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: '${arn}'`);
  const r = repoOrThrow(ctx, m[1]!);
  if (r.arn !== arn) {
    throw new AwsError('RepositoryNotFoundException', `The repository with ARN '${arn}' does not exist`, 400);
  }
  return r;
}

function imageView(ctx: EmulatorContext, r: Repository, i: Image): Record<string, unknown> {
  return {
    registryId: ctx.accountId,
    repositoryName: r.name,
    imageDigest: i.digest,
    ...(i.tags.length > 0 ? { imageTags: [...i.tags] } : {}),
    imageSizeInBytes: i.sizeBytes,
    imagePushedAt: epoch(i.pushedAt),
    imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactMediaType: 'application/vnd.oci.image.config.v1+json',
  };
}

function findImage(r: Repository, id: JsonInput): Image | undefined {
  const digest = id.str('imageDigest');
  const tag = id.str('imageTag');
  return r.images.find(
    (i) => (digest === undefined || i.digest === digest) && (tag === undefined || i.tags.includes(tag)),
  );
}

/**
 * AWS documents no order for DescribeImages / ListImages (users find it unrelated to push time:
 * aws-cli issues 6928 and 6929). The emulator lists by digest, so a client that takes the last
 * image for the newest fails here as it would against AWS; sort by imagePushedAt instead.
 */
function listed(r: Repository): Image[] {
  return [...r.images].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

const TAG_STATUSES = ['TAGGED', 'UNTAGGED', 'ANY'];

function tagStatus(body: JsonInput): string {
  const status = body.obj('filter')?.str('tagStatus') ?? 'ANY';
  if (!TAG_STATUSES.includes(status)) {
    throw invalidParameter(
      `Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [${TAG_STATUSES.join(', ')}]'`,
    );
  }
  return status;
}

function maxResults(body: JsonInput): number | undefined {
  const max = body.int('maxResults');
  if (max !== undefined && (max < 1 || max > 1000)) {
    throw invalidParameter(
      `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'`,
    );
  }
  return max;
}

function checkMutability(v: string): string {
  if (!['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'].includes(v)) {
    throw invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: '${v}'`);
  }
  return v;
}

const ops: Record<string, EcrOp> = {
  CreateRepository(ctx, body) {
    const name = body.required('repositoryName');
    if (name.length < 2 || name.length > 256 || !NAME_RE.test(name)) {
      throw invalidParameter(
        `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${NAME_RE.source}''`,
      );
    }
    const tags = readTags(body.objs('tags'));
    if (ctx.ecr.repositories.has(name)) {
      throw new AwsError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${ctx.accountId}'`,
        400,
      );
    }
    const enc = body.obj('encryptionConfiguration');
    const kmsKey = enc?.str('kmsKey');
    const r: Repository = {
      name,
      arn: `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${name}`,
      uri: `${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com/${name}`,
      createdAt: ctx.clock.now(),
      imageTagMutability: checkMutability(body.str('imageTagMutability') ?? 'MUTABLE'),
      scanOnPush: body.obj('imageScanningConfiguration')?.bool('scanOnPush') ?? false,
      encryptionType: enc?.str('encryptionType') ?? 'AES256',
      ...(kmsKey !== undefined ? { kmsKey } : {}),
      tags,
      images: [],
    };
    ctx.ecr.repositories.set(name, r);
    return { repository: repoView(ctx, r) };
  },

  DescribeRepositories(ctx, body) {
    const names = body.strings('repositoryNames');
    const maxResults = body.int('maxResults');
    if (names && (maxResults !== undefined || body.has('nextToken'))) {
      throw invalidParameter('maxResults and nextToken cannot be used together with repositoryNames.');
    }
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000)) {
      throw invalidParameter(
        `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'`,
      );
    }
    const all = names ? names.map((n) => repoOrThrow(ctx, n)) : [...ctx.ecr.repositories.values()];
    const page = paginate(
      all,
      { token: body.str('nextToken'), max: maxResults, scope: 'repos', defaultMax: 100 },
      invalidParameter,
    );
    return {
      repositories: page.items.map((r) => repoView(ctx, r)),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  },

  DeleteRepository(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    if (r.images.length > 0 && body.bool('force') !== true) {
      throw new AwsError(
        'RepositoryNotEmptyException',
        `The repository with name '${r.name}' in registry with id '${ctx.accountId}' cannot be deleted because it still contains images`,
        400,
      );
    }
    ctx.ecr.repositories.delete(r.name);
    return { repository: repoView(ctx, r) };
  },

  PutImageScanningConfiguration(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const cfg = body.obj('imageScanningConfiguration');
    if (!cfg) throw invalidParameter('imageScanningConfiguration is required.');
    r.scanOnPush = cfg.bool('scanOnPush') ?? false;
    return {
      registryId: ctx.accountId,
      repositoryName: r.name,
      imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    };
  },

  PutImageTagMutability(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    r.imageTagMutability = checkMutability(body.required('imageTagMutability'));
    return { registryId: ctx.accountId, repositoryName: r.name, imageTagMutability: r.imageTagMutability };
  },

  GetAuthorizationToken(ctx) {
    // A fixed, obviously fake password: the emulator has no registry to log in to.
    const token = Buffer.from(`AWS:emulator-ecr-password-${ctx.accountId}`).toString('base64');
    return {
      authorizationData: [
        {
          authorizationToken: token,
          expiresAt: epoch(Date.now() + 12 * 3600_000),
          proxyEndpoint: `https://${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com`,
        },
      ],
    };
  },

  DescribeImages(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const ids = body.objs('imageIds');
    const status = tagStatus(body);
    const max = maxResults(body);
    if (ids && (max !== undefined || body.has('nextToken'))) {
      throw invalidParameter('maxResults and nextToken cannot be used together with imageIds.');
    }
    let images = listed(r).filter((i) => status === 'ANY' || (status === 'TAGGED') === i.tags.length > 0);
    if (ids) {
      images = ids.map((id) => {
        const found = findImage(r, id);
        if (!found) {
          throw new AwsError(
            'ImageNotFoundException',
            `The image with imageId ${JSON.stringify(id.data)} does not exist within the repository with name '${r.name}' in the registry with id '${ctx.accountId}'`,
            400,
          );
        }
        return found;
      });
    }
    const page = paginate(
      images,
      { token: body.str('nextToken'), max, scope: `images:${r.name}:${status}`, defaultMax: 100 },
      invalidParameter,
    );
    return {
      imageDetails: page.items.map((i) => imageView(ctx, r, i)),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  },

  ListImages(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const status = tagStatus(body);
    const max = maxResults(body);
    // One entry per tag; an untagged image is listed once by digest.
    const ids = listed(r)
      .filter((i) => status === 'ANY' || (status === 'TAGGED') === i.tags.length > 0)
      .flatMap((i) =>
        i.tags.length > 0
          ? i.tags.map((imageTag) => ({ imageDigest: i.digest, imageTag }))
          : [{ imageDigest: i.digest }],
      );
    const page = paginate(
      ids,
      { token: body.str('nextToken'), max, scope: `list-images:${r.name}:${status}`, defaultMax: 100 },
      invalidParameter,
    );
    return { imageIds: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  },

  BatchDeleteImage(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const deleted: Record<string, unknown>[] = [];
    const failures: Record<string, unknown>[] = [];
    for (const id of body.objs('imageIds') ?? []) {
      const image = findImage(r, id);
      if (!image) {
        failures.push({
          imageId: id.data,
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found',
        });
        continue;
      }
      const tag = id.str('imageTag');
      // Deleting by tag only removes that tag, unless it was the image's last one.
      if (tag !== undefined && id.str('imageDigest') === undefined)
        image.tags = image.tags.filter((t) => t !== tag);
      if (tag === undefined || image.tags.length === 0) r.images = r.images.filter((i) => i !== image);
      deleted.push({ imageDigest: image.digest, ...(tag !== undefined ? { imageTag: tag } : {}) });
    }
    return { imageIds: deleted, failures };
  },

  TagResource(ctx, body) {
    const r = repoByArn(ctx, body.required('resourceArn'));
    const merged = new Map(r.tags.map((t) => [t.Key, t.Value]));
    for (const t of readTags(body.objs('tags'))) merged.set(t.Key, t.Value);
    if (merged.size > 50)
      throw new AwsError('TooManyTagsException', 'A repository can have at most 50 tags.', 400);
    r.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
    return {};
  },

  UntagResource(ctx, body) {
    const r = repoByArn(ctx, body.required('resourceArn'));
    const keys = new Set(body.strings('tagKeys') ?? []);
    r.tags = r.tags.filter((t) => !keys.has(t.Key));
    return {};
  },

  ListTagsForResource(ctx, body) {
    return { tags: repoByArn(ctx, body.required('resourceArn')).tags.map((t) => ({ ...t })) };
  },

  ...ecrLifecyclePolicyOps,
};

export function ecrService(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'ecr',
    protocol: 'json-1.1',
    resolve(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (!ops[operation])
        throw new AwsError('UnknownOperationException', `Unknown operation ${target}`, 400);
      const body = JsonInput.parse(req.body);
      return {
        operation,
        params: body.data,
        run: () => jsonReply('json-1.1', req.requestId, ops[operation]!(ctx, body)),
      };
    },
  };
}
