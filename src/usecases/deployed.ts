/**
 * Which tag of each ECR repository the cluster runs: the images of the workloads the reconciler
 * applied (its inventory, so what Git put there, not whatever else runs), matched by repository
 * URI. One workload's failure to read is not the answer's: it is left out.
 */
import { podImages, runsPods, tagOf } from '../integrations/kube/images.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { describeRef } from '../integrations/kube/object.js';
import type { Reconciler } from '../integrations/reconciler/reconciler.js';

export interface Deployed {
  /** "Deployment api/api" */
  workload: string;
  tag: string;
}

/** Every workload image, once per workload and image. */
export async function deployedImages(
  client: KubeClient,
  reconciler: Reconciler,
  signal?: AbortSignal,
): Promise<{ workload: string; image: string }[]> {
  const refs = (await reconciler.workloads(client, signal)).filter((r) => runsPods(r.kind));
  const objects = await Promise.all(refs.map((r) => client.get(r, signal).catch(() => undefined)));
  return objects.flatMap((o, i) =>
    o ? [...new Set(podImages(o))].map((image) => ({ workload: describeRef(refs[i]!), image })) : [],
  );
}

export function deployedFrom(
  images: readonly { workload: string; image: string }[],
  uri: string,
): Deployed[] {
  return images.flatMap(({ workload, image }) => {
    const tag = tagOf(image, uri);
    return tag === undefined ? [] : [{ workload, tag }];
  });
}

/** The one tag every workload of the repository runs, when they agree. */
export function singleTag(deployed: readonly Deployed[]): string | undefined {
  const tags = new Set(deployed.map((d) => d.tag));
  return tags.size === 1 ? [...tags][0] : undefined;
}

/** Fills each repository's deployed workloads, and deployedTag when they all run one tag. */
export async function addDeployedTags(
  repositories: { uri: string; deployed: Deployed[]; deployedTag?: string }[],
  client: KubeClient,
  reconciler: Reconciler,
  signal?: AbortSignal,
): Promise<void> {
  if (repositories.length === 0) return;
  const images = await deployedImages(client, reconciler, signal);
  for (const r of repositories) {
    r.deployed = deployedFrom(images, r.uri);
    const tag = singleTag(r.deployed);
    if (tag !== undefined) r.deployedTag = tag;
  }
}
