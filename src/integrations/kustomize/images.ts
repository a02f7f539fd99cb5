/**
 * kustomize's `images` field. An entry's `name` is matched against the name part of each image
 * reference (the reference without its `:tag` and `@digest`), then the name is replaced by
 * `newName`, and `newTag` and/or `digest` replace both the old tag and digest (`name:tag@digest`
 * when both are given).
 *
 * Like kustomize, it looks at the `image` of every element of any `containers` or
 * `initContainers` list anywhere in an object (pod specs, pod templates, CronJob job templates,
 * and custom resources of that shape), plus image volumes, and never inside a
 * CustomResourceDefinition.
 */
import { isRecord, type KubeObject } from '../kube/object.js';
import { IMAGE_VOLUMES, visitField } from './field-specs.js';
import type { ImageEntry } from './kustomization.js';
import { clone, type Resource } from './resource.js';

const CONTAINER_LISTS = new Set(['containers', 'initContainers']);

export function setImages(resources: Resource[], images: readonly ImageEntry[]): Resource[] {
  if (images.length === 0) return resources;
  return resources.map((r) => {
    if (r.object.kind === 'CustomResourceDefinition') return r;
    const object = clone(r.object);
    for (const entry of images) updateImages(object, entry);
    return { ...r, object };
  });
}

function updateImages(object: KubeObject, entry: ImageEntry): void {
  const update = (holder: Record<string, unknown>, key: string) => {
    const value = holder[key];
    if (typeof value === 'string') holder[key] = newImage(value, entry);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const element of node) walk(element);
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      walk(value);
      if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
        for (const container of value) if (isRecord(container)) update(container, 'image');
      }
    }
  };
  walk(object);
  for (const s of IMAGE_VOLUMES) visitField(object, s, update);
}

/** The new reference for `image`, or `image` itself when the entry's name does not match it. */
export function newImage(image: string, entry: ImageEntry): string {
  if (!matches(image, entry.name)) return image;
  let { name, tag, digest } = splitImage(image);
  if (entry.newName !== undefined) name = entry.newName;
  if (entry.newTag !== undefined || entry.digest !== undefined) {
    tag = entry.newTag ?? '';
    digest = entry.digest ?? '';
  }
  return `${name}${tag === '' ? '' : `:${tag}`}${digest === '' ? '' : `@${digest}`}`;
}

/**
 * kustomize reads `name` as a regular expression for the name part, followed by an optional tag
 * and an optional digest of any OCI algorithm; a name that is not a valid expression matches
 * nothing.
 */
function matches(image: string, name: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(`^${name}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$`);
  } catch {
    return false;
  }
  return re.test(image);
}

/**
 * `[host[:port]/]path[:tag][@digest]`. The first `:` after the first `/` starts the tag, so a
 * registry port is not mistaken for one; an `@` before any such `:` starts a digest.
 */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  const slash = image.indexOf('/');
  const offset = Math.max(slash, 0);
  const rest = image.slice(offset);
  const at = rest.indexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 && colon < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (colon < 0 || at < colon)) {
    return { name: image.slice(0, offset + at), tag: '', digest: image.slice(offset + at + 1) };
  }
  if (at >= 0) {
    return {
      name: image.slice(0, offset + colon),
      tag: image.slice(offset + colon + 1, offset + at),
      digest: image.slice(offset + at + 1),
    };
  }
  return { name: image.slice(0, offset + colon), tag: image.slice(offset + colon + 1), digest: '' };
}
