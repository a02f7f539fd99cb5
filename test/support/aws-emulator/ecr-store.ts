// ECR repositories and the images pushed into them (images arrive through pushImage(), since the
// emulator has no registry data plane).

import { createHash } from 'node:crypto';
import type { Tag } from './service.js';

export interface Image {
  digest: string;
  tags: string[];
  pushedAt: number;
  sizeBytes: number;
}

export interface Repository {
  name: string;
  arn: string;
  uri: string;
  createdAt: number;
  imageTagMutability: string;
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
  tags: Tag[];
  lifecyclePolicy?: { text: string; setAt: number };
  images: Image[];
}

export class EcrStore {
  readonly repositories = new Map<string, Repository>();

  pushImage(repository: string, tag: string, digest: string | undefined, now: number): Image {
    const repo = this.repositories.get(repository);
    if (!repo) throw new Error(`pushImage: no ECR repository named ${repository}`);
    const d = digest ?? `sha256:${createHash('sha256').update(`${repository}:${tag}:${now}`).digest('hex')}`;
    if (!/^sha256:[0-9a-f]{64}$/.test(d)) throw new Error(`pushImage: ${d} is not a sha256 digest`);
    // What a docker push answers for an existing tag in an IMMUTABLE repository.
    const holder = repo.images.find((i) => i.tags.includes(tag));
    if (holder && holder.digest !== d && repo.imageTagMutability.startsWith('IMMUTABLE')) {
      throw new Error(
        `ImageTagAlreadyExistsException: The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`,
      );
    }
    // A tag names one image: pushing it again moves it (what a mutable repository does).
    for (const img of repo.images) img.tags = img.tags.filter((t) => t !== tag);
    let image = repo.images.find((i) => i.digest === d);
    if (!image) {
      image = {
        digest: d,
        tags: [],
        pushedAt: now,
        sizeBytes: 10_000_000 + (parseInt(d.slice(-4), 16) || 0),
      };
      repo.images.push(image);
    }
    image.tags.push(tag);
    return image;
  }
}
