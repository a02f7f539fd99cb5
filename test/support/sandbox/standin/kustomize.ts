/**
 * The stand-in's own kustomize build: what kustomize-controller does with a Kustomization's path,
 * for the kustomization.yaml fields our fleet repositories and tests use. Deliberately written
 * apart from the product's fleet code, so end-to-end tests compare the product with an
 * independent reading. A field it does not implement is an error naming the field, never ignored.
 *
 * Implemented: resources (files and folders with their own kustomization.yaml), nested
 * kustomizations, namespace, commonLabels (metadata, selectors and pod templates of the built-in
 * workloads), labels (pairs, includeSelectors, includeTemplates), commonAnnotations, patches,
 * patchesStrategicMerge, patchesJson6902, images and replicas. A path without a kustomization.yaml
 * is built as Flux generates one: every manifest below it, and sub-folders that have their own
 * kustomization.yaml as resources. Duplicate objects and paths leaving the checkout are refused.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { isRecord, type Obj } from './api.js';
import { BuildError } from './errors.js';
import { type JsonOp, jsonPatch, strategicMerge } from './patch.js';
import { isBuiltIn, list, transform } from './transform.js';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'images',
  'replicas',
]);

/** Says whether a kind is cluster-scoped (from discovery); unknown kinds count as namespaced, as in kustomize. */
export type ScopeOf = (apiVersion: string, kind: string) => Promise<boolean>;

export { BuildError };

export async function kustomizeBuild(checkout: string, path: string, clusterScoped: ScopeOf): Promise<Obj[]> {
  const root = await realpath(checkout);
  const dir = resolve(root, path);
  if (!(await isDir(dir))) {
    throw new BuildError(`kustomization path not found: stat ${path}: no such file or directory`);
  }
  const ctx: Ctx = { root, clusterScoped };
  const objects = await buildDir(ctx, await inside(ctx, dir, path), [], true);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion.split('/').slice(0, -1).join('/')}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
    if (seen.has(id)) {
      throw new BuildError(
        `kustomize build failed: may not add resource with an already registered id: ${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      );
    }
    seen.add(id);
  }
  return objects;
}

interface Ctx {
  root: string;
  clusterScoped: ScopeOf;
}

async function buildDir(ctx: Ctx, dir: string, stack: string[], top: boolean): Promise<Obj[]> {
  if (stack.includes(dir)) throw new BuildError(`${rel(ctx, dir)}: kustomization includes itself`);
  const kfile = await kustomizationFile(dir);
  if (kfile === undefined) {
    if (!top) {
      throw new BuildError(
        `kustomize build failed: unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${rel(ctx, dir)}'`,
      );
    }
    return await generated(ctx, dir, [...stack, dir]);
  }
  const label = rel(ctx, kfile);
  const k: unknown = parse(await readFile(kfile, 'utf8'));
  if (!isRecord(k)) throw new BuildError(`${label}: expected a mapping`);
  const unknown = Object.keys(k).filter((f) => !FIELDS.has(f));
  if (unknown.length > 0) {
    throw new BuildError(
      `${label}: ${unknown.join(', ')}: not implemented by the sandbox's kustomize stand-in`,
    );
  }
  let objects: Obj[] = [];
  for (const entry of list(k['resources'], `${label}: resources`)) {
    if (typeof entry !== 'string') throw new BuildError(`${label}: resources entries must be paths`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.includes('github.com/')) {
      throw new BuildError(`${label}: remote resource ${entry} is not implemented by the sandbox's stand-in`);
    }
    const target = await inside(ctx, resolve(dir, entry), `${label}: ${entry}`);
    objects.push(
      ...((await isDir(target))
        ? await buildDir(ctx, target, [...stack, dir], false)
        : await readObjects(ctx, target)),
    );
  }
  objects = await applyPatches(ctx, dir, label, k, objects);
  const out: Obj[] = [];
  for (const o of objects) out.push(transform(label, k, o, await ctx.clusterScoped(o.apiVersion, o.kind)));
  return out;
}

/** What Flux generates for a path without a kustomization.yaml. */
async function generated(ctx: Ctx, dir: string, stack: string[]): Promise<Obj[]> {
  const out: Obj[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = await inside(ctx, join(dir, e.name), rel(ctx, join(dir, e.name)));
    if (e.isDirectory()) {
      if (e.name === '.git') continue;
      out.push(
        ...((await kustomizationFile(p))
          ? await buildDir(ctx, p, stack, false)
          : await generated(ctx, p, stack)),
      );
    } else if (/\.ya?ml$/.test(e.name)) {
      out.push(...(await readObjects(ctx, p)));
    }
  }
  return out;
}

async function readObjects(ctx: Ctx, file: string): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new BuildError(`${rel(ctx, file)}: ${doc.errors[0]!.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (
      !isRecord(v) ||
      typeof v['apiVersion'] !== 'string' ||
      typeof v['kind'] !== 'string' ||
      !isRecord(v['metadata']) ||
      typeof v['metadata']['name'] !== 'string'
    ) {
      throw new BuildError(`failed to decode Kubernetes apiVersion, kind and name from ${rel(ctx, file)}`);
    }
    out.push(v as Obj);
  }
  return out;
}

async function applyPatches(
  ctx: Ctx,
  dir: string,
  label: string,
  k: Record<string, unknown>,
  objects: Obj[],
): Promise<Obj[]> {
  let out = objects;
  for (const [i, p] of list(k['patchesStrategicMerge'], `${label}: patchesStrategicMerge`).entries()) {
    const docs =
      typeof p === 'string' && !p.includes('\n')
        ? await readPatchFile(ctx, dir, p, label)
        : [typeof p === 'string' ? parse(p) : p];
    for (const doc of docs) out = smpInto(out, doc, `${label}: patchesStrategicMerge[${i}]`);
  }
  for (const [i, p] of list(k['patchesJson6902'], `${label}: patchesJson6902`).entries()) {
    if (!isRecord(p) || !isRecord(p['target']))
      throw new BuildError(`${label}: patchesJson6902[${i}] needs a target`);
    const ops = await opsOf(ctx, dir, label, p);
    out = jsonInto(out, p['target'], ops, `${label}: patchesJson6902[${i}]`);
  }
  for (const [i, p] of list(k['patches'], `${label}: patches`).entries()) {
    const where = `${label}: patches[${i}]`;
    if (!isRecord(p)) throw new BuildError(`${where}: expected a mapping`);
    const extra = Object.keys(p).filter((f) => !['path', 'patch', 'target'].includes(f));
    if (extra.length > 0)
      throw new BuildError(
        `${where}: ${extra.join(', ')}: not implemented by the sandbox's kustomize stand-in`,
      );
    const text =
      typeof p['path'] === 'string' ? await readText(ctx, dir, p['path'], label) : String(p['patch'] ?? '');
    const parsed: unknown = parse(text);
    if (Array.isArray(parsed)) {
      if (!isRecord(p['target'])) throw new BuildError(`${where}: a JSON 6902 patch needs a target`);
      out = jsonInto(out, p['target'], parsed as JsonOp[], where);
    } else {
      out = smpInto(out, parsed, where, isRecord(p['target']) ? p['target'] : undefined);
    }
  }
  return out;
}

async function opsOf(ctx: Ctx, dir: string, label: string, p: Record<string, unknown>): Promise<JsonOp[]> {
  const v: unknown =
    typeof p['path'] === 'string'
      ? parse(await readText(ctx, dir, p['path'], label))
      : typeof p['patch'] === 'string'
        ? parse(p['patch'])
        : p['patch'];
  if (!Array.isArray(v)) throw new BuildError(`${label}: a JSON 6902 patch must be a list of operations`);
  return v as JsonOp[];
}

async function readText(ctx: Ctx, dir: string, file: string, label: string): Promise<string> {
  return await readFile(await inside(ctx, resolve(dir, file), `${label}: ${file}`), 'utf8');
}

async function readPatchFile(ctx: Ctx, dir: string, file: string, label: string): Promise<unknown[]> {
  return parseAllDocuments(await readText(ctx, dir, file, label)).map((d) => d.toJS() as unknown);
}

function smpInto(objects: Obj[], patch: unknown, where: string, target?: Record<string, unknown>): Obj[] {
  if (!isRecord(patch)) throw new BuildError(`${where}: a strategic merge patch must be a mapping`);
  const meta = isRecord(patch['metadata']) ? patch['metadata'] : {};
  const sel = target ?? {
    kind: patch['kind'],
    name: meta['name'],
    ...(meta['namespace'] ? { namespace: meta['namespace'] } : {}),
  };
  let matched = 0;
  const out = objects.map((o) => {
    if (!matches(o, sel, where)) return o;
    matched++;
    const body = target ? { ...patch, metadata: { ...meta, name: o.metadata.name } } : patch;
    return strategicMerge(o, body, isBuiltIn(o.apiVersion)) as Obj;
  });
  if (matched === 0 && !target)
    throw new BuildError(`${where}: no object matches ${String(sel['kind'])}/${String(sel['name'])}`);
  return out;
}

function jsonInto(objects: Obj[], target: Record<string, unknown>, ops: JsonOp[], where: string): Obj[] {
  return objects.map((o) => {
    if (!matches(o, target, where)) return o;
    try {
      return jsonPatch(o, ops) as Obj;
    } catch (e) {
      throw new BuildError(`${where}: ${(e as Error).message}`);
    }
  });
}

function matches(o: Obj, t: Record<string, unknown>, where: string): boolean {
  const extra = Object.keys(t).filter((f) => !['group', 'version', 'kind', 'name', 'namespace'].includes(f));
  if (extra.length > 0)
    throw new BuildError(
      `${where}: target ${extra.join(', ')}: not implemented by the sandbox's kustomize stand-in`,
    );
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const test = (key: string, actual: string | undefined) =>
    t[key] === undefined || new RegExp(`^(?:${String(t[key])})$`).test(actual ?? '');
  return (
    test('group', group) &&
    test('version', version) &&
    test('kind', o.kind) &&
    test('name', o.metadata.name) &&
    test('namespace', o.metadata.namespace)
  );
}

async function kustomizationFile(dir: string): Promise<string | undefined> {
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

async function isDir(p: string): Promise<boolean> {
  return await stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Resolves symlinks and refuses anything outside the checkout (as Flux's secure file system does). */
async function inside(ctx: Ctx, p: string, label: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    throw new BuildError(`${label}: no such file or directory`);
  }
  if (real !== ctx.root && !real.startsWith(ctx.root + sep))
    throw new BuildError(`${label}: points outside the source`);
  return real;
}

function rel(ctx: Ctx, p: string): string {
  return relative(ctx.root, p) || '.';
}
