/**
 * ECR repositories the profile lists: scan on push, immutable tags when asked, a lifecycle
 * policy that keeps the newest N images. They need no cluster, so their steps start at once.
 */
import { userError } from '../../primitives/errors.js';
import { type Step, type StepContext, type StepRef, stepRef } from '../../primitives/plan.js';
import type { ClusterSpec, EcrRepositorySpec } from '../../spec/schema.js';
import { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode, ignoreNotFound } from './errors.js';
import type { EcrRepository } from './ports.js';
import { assertOwned, isOwned, missingTags, resourceTags } from './tags.js';

export interface EcrOutput {
  name: string;
  uri: string;
  arn: string;
}

export function ecrRef(name: string): StepRef<EcrOutput> {
  return stepRef(`aws:ecr:${name}`);
}

export function lifecyclePolicy(keepImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the newest ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}

export function ecrStep(spec: ClusterSpec, aws: AwsClients, repo: EcrRepositorySpec): Step<EcrOutput> {
  const converge = async (ctx: StepContext, mutate: boolean) => {
    const changes = new Changes(mutate, ctx.signal);
    const tags = resourceTags(spec.name, spec.tags);
    let current = await aws.ecr.describeRepository(repo.name);
    const created = !current;
    if (current) {
      const have = await aws.ecr.listTags(current.arn);
      assertOwned('ECR repository', repo.name, have, spec.name);
      const missing = missingTags(tags, have);
      const arn = current.arn;
      if (Object.keys(missing).length > 0)
        await changes.make('update tags', () => aws.ecr.tagResource(arn, missing));
      if (current.scanOnPush !== repo.scanOnPush) {
        await changes.make(`scan on push ${repo.scanOnPush ? 'on' : 'off'}`, () =>
          aws.ecr.putScanOnPush(repo.name, repo.scanOnPush),
        );
      }
      if (current.immutableTags !== repo.immutableTags) {
        await changes.make(`tags ${repo.immutableTags ? 'immutable' : 'mutable'}`, () =>
          aws.ecr.putImmutableTags(repo.name, repo.immutableTags),
        );
      }
    } else {
      current = await changes.make(`create repository ${repo.name}`, () => create(spec, aws, repo, tags));
    }
    const policy = lifecyclePolicy(repo.keepImages);
    const havePolicy = current && !created ? await aws.ecr.getLifecyclePolicy(repo.name) : undefined;
    if (havePolicy === undefined || canonical(havePolicy) !== canonical(policy)) {
      await changes.make(`keep the newest ${repo.keepImages} images`, () =>
        aws.ecr.putLifecyclePolicy(repo.name, policy),
      );
    }
    const output = current ? { name: current.name, uri: current.uri, arn: current.arn } : undefined;
    return { changes, created, output };
  };
  return {
    id: ecrRef(repo.name).id,
    title: `ECR repository ${repo.name}`,
    async observe(ctx) {
      const { changes, output } = await converge(ctx, false);
      return {
        inSync: changes.none,
        summary: changes.summary(`repository ${repo.name} exists`),
        ...(output ? { output } : {}),
      };
    },
    async apply(ctx) {
      const { changes, created, output } = await converge(ctx, true);
      return {
        result: created ? 'created' : 'updated',
        summary: changes.summary(''),
        ...(output ? { output } : {}),
      };
    },
  };
}

async function create(
  spec: ClusterSpec,
  aws: AwsClients,
  repo: EcrRepositorySpec,
  tags: Record<string, string>,
) {
  try {
    return await aws.ecr.createRepository(repo.name, repo.scanOnPush, repo.immutableTags, tags);
  } catch (e) {
    if (!hasAwsCode(e, 'RepositoryAlreadyExistsException')) throw e;
    const current = await aws.ecr.describeRepository(repo.name);
    if (!current) throw e;
    assertOwned('ECR repository', repo.name, await aws.ecr.listTags(current.arn), spec.name);
    return current;
  }
}

function canonical(json: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(json)));
  } catch {
    return json;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}

/** Every repository tagged for the cluster (a scan of the registry; tags are asked concurrently). */
export async function findClusterRepositories(aws: AwsClients, cluster: string): Promise<EcrRepository[]> {
  const repos = await aws.ecr.listRepositories();
  const owned: EcrRepository[] = [];
  for (let i = 0; i < repos.length; i += 8) {
    const batch = repos.slice(i, i + 8);
    const tags = await Promise.all(batch.map((r) => aws.ecr.listTags(r.arn)));
    batch.forEach((r, j) => {
      if (isOwned(tags[j]!, cluster)) owned.push(r);
    });
  }
  return owned;
}

/**
 * Teardown: every repository of ours, found by tag (a profile may have changed since). One with
 * images is refused unless `force`, and the refusal comes before anything is deleted.
 */
export function ecrTeardownStep(cluster: string, aws: AwsClients, force: boolean): Step {
  const inventory = async () => {
    const repos = await findClusterRepositories(aws, cluster);
    const counts = await Promise.all(repos.map(async (r) => (await aws.ecr.listImages(r.name)).length));
    return repos.map((r, i) => ({ name: r.name, images: counts[i]! }));
  };
  return {
    id: 'aws:ecr',
    title: 'delete ECR repositories',
    async observe() {
      const repos = await inventory();
      if (repos.length === 0) return { inSync: true, summary: 'no ECR repositories of ours' };
      return { inSync: false, summary: `delete repositories ${repos.map((r) => r.name).join(', ')}` };
    },
    async apply() {
      const repos = await inventory();
      const full = repos.filter((r) => r.images > 0);
      if (full.length > 0 && !force) {
        throw userError(
          'GITOPS_CONFLICT',
          `ECR repositories hold images: ${full.map((r) => `${r.name} (${r.images})`).join(', ')}; nothing was deleted`,
          { hint: 'pass --force to delete them with their images' },
        );
      }
      for (const r of repos) await ignoreNotFound(aws.ecr.deleteRepository(r.name, force));
      return { result: 'deleted', summary: `deleted repositories ${repos.map((r) => r.name).join(', ')}` };
    },
  };
}
