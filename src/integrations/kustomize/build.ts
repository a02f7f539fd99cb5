/**
 * Builds a folder of the fleet repo into Kubernetes objects the way Flux's kustomize-controller
 * reads it, for the subset our fleet layout uses: `resources` (files and folders), `namespace`,
 * `commonLabels`/`labels` and `commonAnnotations`. A folder without a kustomization.yaml yields
 * every manifest in it, recursively (as Flux generates one). Anything else a kustomization
 * declares is refused by name rather than silently ignored, and nothing may point outside the
 * repository checkout.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { userError } from '../../primitives/errors.js';
import { parseManifests } from '../kube/manifests.js';
import { isRecord, type KubeObject } from '../kube/object.js';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
]);

export interface BuildResult {
  objects: KubeObject[];
  /** Files read, relative to the checkout, for messages. */
  files: string[];
}

export async function buildKustomization(checkout: string, path: string): Promise<BuildResult> {
  const root = await realpath(checkout);
  const files: string[] = [];
  const dir = await inside(root, resolve(root, path.replace(/^\.\//, '')), path);
  const objects = await buildDir(root, dir, files, new Set());
  return { objects, files };
}

async function buildDir(
  root: string,
  dir: string,
  files: string[],
  seen: Set<string>,
): Promise<KubeObject[]> {
  if (seen.has(dir)) throw userError('GITOPS_BAD_CONFIG', `${rel(root, dir)}: kustomization includes itself`);
  seen.add(dir);
  const kfile = await findKustomizationFile(dir);
  if (kfile === undefined) return allManifests(root, dir, files);
  files.push(rel(root, kfile));
  const k: unknown = parse(await readFile(kfile, 'utf8'));
  if (!isRecord(k)) throw userError('GITOPS_BAD_CONFIG', `${rel(root, kfile)}: expected a mapping`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${rel(root, kfile)}: unsupported kustomize field${unsupported.length > 1 ? 's' : ''} ${unsupported.join(', ')}`,
      {
        hint: 'gitops renders resources, namespace, labels and annotations; keep other transformations inside the manifests',
      },
    );
  }
  const out: KubeObject[] = [];
  const resources = Array.isArray(k['resources']) ? k['resources'] : [];
  for (const entry of resources) {
    if (typeof entry !== 'string')
      throw userError('GITOPS_BAD_CONFIG', `${rel(root, kfile)}: resources entries must be paths`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      throw userError('GITOPS_BAD_CONFIG', `${rel(root, kfile)}: remote resource ${entry} is not allowed`);
    }
    const target = await inside(root, resolve(dir, entry), `${rel(root, kfile)}: ${entry}`);
    const st = await stat(target);
    if (st.isDirectory()) out.push(...(await buildDir(root, target, files, new Set(seen))));
    else {
      files.push(rel(root, target));
      out.push(...parseManifests(await readFile(target, 'utf8'), rel(root, target)));
    }
  }
  return out.map((o) => transform(o, k));
}

function transform(obj: KubeObject, k: Record<string, unknown>): KubeObject {
  const copy: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  if (typeof k['namespace'] === 'string' && !CLUSTER_SCOPED.has(obj.kind))
    copy.metadata.namespace = k['namespace'];
  const labels = { ...(isRecord(k['commonLabels']) ? (k['commonLabels'] as Record<string, string>) : {}) };
  if (Array.isArray(k['labels'])) {
    for (const l of k['labels']) if (isRecord(l) && isRecord(l['pairs'])) Object.assign(labels, l['pairs']);
  }
  if (Object.keys(labels).length > 0) copy.metadata.labels = { ...(copy.metadata.labels ?? {}), ...labels };
  if (isRecord(k['commonAnnotations'])) {
    copy.metadata.annotations = {
      ...(copy.metadata.annotations ?? {}),
      ...(k['commonAnnotations'] as Record<string, string>),
    };
  }
  return copy;
}

/** Kinds the namespace transformer leaves alone (the common cluster-scoped ones). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'IngressClass',
  'APIService',
  'PersistentVolume',
]);

async function allManifests(root: string, dir: string, files: string[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allManifests(root, await inside(root, p, rel(root, p)), files)));
    else if (/\.ya?ml$/.test(e.name)) {
      const real = await inside(root, p, rel(root, p));
      files.push(rel(root, real));
      out.push(...parseManifests(await readFile(real, 'utf8'), rel(root, real)));
    }
  }
  return out;
}

async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const p = join(dir, name);
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

/** Resolves symlinks and refuses anything outside the checkout. */
async function inside(root: string, p: string, label: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    throw userError('GITOPS_BAD_CONFIG', `${label}: not found in the fleet repository`);
  }
  if (real !== root && !real.startsWith(root + sep)) {
    throw userError('GITOPS_BAD_CONFIG', `${label}: points outside the repository`);
  }
  return real;
}

function rel(root: string, p: string): string {
  return relative(root, p) || '.';
}
