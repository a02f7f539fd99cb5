/**
 * Builds a folder of a repository checkout into Kubernetes objects the way Flux's
 * kustomize-controller does: with the folder's kustomization.yaml, or, when it has none, with the
 * one Flux generates (every manifest in it, sub-folders with their own kustomization built as
 * such). `gitops diff` compares these objects with the cluster, and the Flux stand-in applies
 * them, so they must be what Flux would apply.
 *
 * The dialect is the one of kustomization.ts, implemented as kustomize does it: resources are
 * accumulated (an id twice is an error), then the transformers run in kustomize's order:
 * patches, namespace, labels and commonLabels, commonAnnotations, replicas, images. Each nested
 * kustomization is built, transformers included, before its parent's transformers see it. At
 * the end, references that name a moved object's namespace follow it (back-references.ts) and
 * objects annotated as local config are dropped. Remote resources and paths outside the checkout
 * are refused.
 */
import { resolve } from 'node:path';
import { userError } from '../../primitives/errors.js';
import { parseYamlText } from '../../primitives/yaml.js';
import { parseManifests } from '../kube/manifests.js';
import type { KubeObject } from '../kube/object.js';
import { fixBackReferences } from './back-references.js';
import { Checkout, MAX_KUSTOMIZE_BYTES, MAX_MANIFEST_BYTES } from './checkout.js';
import { setImages } from './images.js';
import { type Kustomization, readKustomization } from './kustomization.js';
import { applyPatch, parsePatch } from './patches.js';
import { describeId, idOf, type Resource, resource, sameId } from './resource.js';
import { addAnnotations, addLabels, setNamespace, setReplicas, withoutLocalConfig } from './transformers.js';

export interface BuildResult {
  objects: KubeObject[];
  /** Files read, relative to the checkout, for messages. */
  files: string[];
}

/** A URL (`https://...`, `git@host:...`): kustomize would fetch it. */
const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;
/** `github.com/org/repo//path`: remote when no such local path exists. */
const HOST_LIKE = /^[\w-]+(\.[\w-]+)*\.[a-z]{2,}\//i;

export async function buildKustomization(checkout: string, path: string): Promise<BuildResult> {
  const repo = await Checkout.open(checkout);
  const files: string[] = [];
  const dir = await repo.inside(resolve(repo.root, path.replace(/^\.\//, '')), path);
  const built = await buildDir(repo, dir, files, [], true);
  return { objects: withoutLocalConfig(fixBackReferences(built)).map((r) => r.object), files };
}

/** `generate`: the folder is a Flux Kustomization's path, for which Flux writes one if missing. */
async function buildDir(
  repo: Checkout,
  dir: string,
  files: string[],
  parents: readonly string[],
  generate: boolean,
): Promise<Resource[]> {
  if (parents.includes(dir)) {
    throw userError('GITOPS_BAD_CONFIG', `${repo.rel(dir)}: kustomization includes itself`);
  }
  const chain = [...parents, dir];
  const kfile = await repo.kustomizationFile(dir);
  if (kfile === undefined) {
    if (!generate) {
      throw userError('GITOPS_BAD_CONFIG', `${repo.rel(dir)}: folder has no kustomization.yaml`, {
        hint: 'kustomize builds only folders with a kustomization; list the files instead',
      });
    }
    let out: Resource[] = [];
    for (const entry of await repo.generatedResources(dir)) {
      const more = entry.isDir
        ? await buildDir(repo, entry.path, files, chain, false)
        : await readObjects(repo, entry.path, files);
      out = accumulate(out, more, repo.rel(dir));
    }
    return out;
  }
  const label = repo.rel(kfile);
  files.push(label);
  const k = readKustomization(
    parseYamlText(await repo.read(kfile, label, MAX_KUSTOMIZE_BYTES), label).data,
    label,
  );
  let out: Resource[] = [];
  for (const [i, entry] of k.resources.entries()) {
    const where = `${label}: resources[${i}]`;
    const target = await local(repo, dir, entry, where, 'resource');
    const more = (await repo.isDirectory(target))
      ? await buildDir(repo, target, files, chain, false)
      : await readObjects(repo, target, files);
    out = accumulate(out, more, label);
  }
  return transform(repo, dir, label, k, out, files);
}

async function transform(
  repo: Checkout,
  dir: string,
  label: string,
  k: Kustomization,
  resources: Resource[],
  files: string[],
): Promise<Resource[]> {
  let out = resources;
  for (const entry of k.patches) {
    const where = `${label}: ${entry.where}`;
    let text = entry.patch ?? '';
    let source = `${where}.patch`;
    if (entry.path !== undefined) {
      const file = await local(repo, dir, entry.path, `${where}.path`, 'patch');
      source = repo.rel(file);
      files.push(source);
      text = await repo.read(file, source, MAX_KUSTOMIZE_BYTES);
    }
    out = applyPatch(out, entry, parsePatch(text, source), where);
  }
  if (k.namespace !== undefined) out = setNamespace(out, k.namespace, label);
  out = addLabels(out, k);
  out = addAnnotations(out, k.commonAnnotations);
  out = setReplicas(out, k, label);
  return setImages(out, k.images);
}

/** Resolves a reference of a kustomization in `dir`; refuses remote ones and ones outside the checkout. */
async function local(repo: Checkout, dir: string, ref: string, where: string, what: string): Promise<string> {
  const remote = () => userError('GITOPS_BAD_CONFIG', `${where}: remote ${what} "${ref}" is not allowed`);
  if (REMOTE.test(ref)) throw remote();
  try {
    return await repo.inside(resolve(dir, ref), `${where}: "${ref}"`);
  } catch (e) {
    if (HOST_LIKE.test(ref)) throw remote();
    throw e;
  }
}

async function readObjects(repo: Checkout, file: string, files: string[]): Promise<Resource[]> {
  const label = repo.rel(file);
  files.push(label);
  return parseManifests(await repo.read(file, label, MAX_MANIFEST_BYTES), label).map(resource);
}

/** Adds objects to a kustomization's list one by one; kustomize refuses an id it already holds. */
function accumulate(into: Resource[], more: Resource[], where: string): Resource[] {
  const out = [...into];
  for (const r of more) {
    const id = idOf(r.object);
    if (out.some((o) => sameId(idOf(o.object), id))) {
      throw userError('GITOPS_BAD_CONFIG', `${where}: ${describeId(id)} is listed twice`, {
        hint: 'each object may come from only one file or folder of a kustomization',
      });
    }
    out.push(r);
  }
  return out;
}
