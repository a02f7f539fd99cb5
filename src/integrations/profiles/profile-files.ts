/**
 * Reads one profile's layer folders for its shared copy in the fleet repository. The files are
 * copied as they are (parameters stay `${name}` for Flux to substitute per cluster), so this
 * only checks and collects: every manifest document is a Kubernetes object (apiVersion, kind,
 * metadata.name), every kustomization stays inside its layer folder and in the dialect the
 * builder speaks, every `${...}` is well formed, and where each parameter is used. Pure: text in,
 * findings out.
 */
import { type Document, type LineCounter, visit } from 'yaml';
import { userError } from '../../primitives/errors.js';
import { lineOf, parseYamlStream, toPlain } from '../../primitives/yaml.js';
import { isRecord } from '../kube/object.js';
import { checkKustomization, isKustomizationFile, patchFilesOf } from '../kustomize/check.js';
import { parsePatch } from '../kustomize/patches.js';
import type { ChainProfile } from './chain-profile.js';
import type { LayerObject } from './layer-check.js';
import { LAYERS, type LayerName, layerOfFile } from './layers.js';
import { hasTokens, type TokenUse, tokensIn } from './postbuild.js';

export interface ProfileFiles {
  /** Layer -> path inside the layer folder -> text, for the layers this profile has. */
  layers: Partial<Record<LayerName, Record<string, string>>>;
  /** Path inside templates/ -> text (rendered per cluster, not applied). */
  templates: Record<string, string>;
  objects: LayerObject[];
  uses: TokenUse[];
}

const YAML_FILE = /\.ya?ml$/i;

export function readProfileFiles(p: ChainProfile): ProfileFiles {
  const out: ProfileFiles = { layers: {}, templates: {}, objects: [], uses: [] };
  const byLayer = new Map<LayerName, { dir: string; files: Map<string, string> }>();
  for (const [path, text] of sorted(p.files)) {
    if (path.startsWith('templates/')) {
      out.templates[path.slice('templates/'.length)] = text;
      continue;
    }
    const at = layerOfFile(path);
    if (at === undefined) continue;
    const entry = byLayer.get(at.layer) ?? { dir: at.dir, files: new Map() };
    entry.files.set(at.rel, text);
    byLayer.set(at.layer, entry);
  }
  for (const layer of LAYERS) {
    const entry = byLayer.get(layer);
    if (entry === undefined) continue;
    readLayer(p, layer, entry.dir, entry.files, out);
    out.layers[layer] = Object.fromEntries(entry.files);
  }
  return out;
}

function readLayer(
  p: ChainProfile,
  layer: LayerName,
  dir: string,
  files: ReadonlyMap<string, string>,
  out: ProfileFiles,
): void {
  const paths = new Set(files.keys());
  if (!paths.has('kustomization.yaml')) {
    throw userError('GITOPS_BAD_CONFIG', `${p.label}/${dir}: no kustomization.yaml listing the resources`);
  }
  const patches = patchFilesIn(files);
  for (const [rel, text] of files) {
    const file = `${p.label}/${dir}/${rel}`;
    if (!YAML_FILE.test(rel)) {
      // Flux reads only YAML into objects; another file may still reach one (a resource in JSON),
      // so its references must at least be well formed.
      tokensIn(text, file);
      continue;
    }
    const { docs, lines } = parseYamlStream(text, file);
    for (const doc of docs) {
      if (doc.contents === null) continue;
      const data = toPlain(doc, file);
      const line = lines.linePos(doc.contents.range?.[0] ?? doc.range[0]).line;
      if (isKustomizationFile(rel)) {
        refuseTokensInPaths(data, file);
        checkKustomization(data, file, dirOf(rel), paths);
        // Values a kustomization puts into objects (images, labels, a patch's text) are
        // substituted with them: check them like the objects' own.
        out.uses.push(...usesIn(doc, lines, file));
        continue;
      }
      out.uses.push(...usesIn(doc, lines, file));
      if (patches.has(rel) || data === null) continue;
      out.objects.push(objectOf(data, { file, line, layer, profile: p.name }));
    }
    if (patches.has(rel)) parsePatch(text, file);
  }
}

/** Every scalar holding `${`: its parsed value (what Flux writes out again) and its line. */
function usesIn(doc: Document.Parsed, lines: LineCounter, file: string): TokenUse[] {
  const uses: TokenUse[] = [];
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const offset = node.range?.[0] ?? 0;
      uses.push({ file, line: lineOf(lines, offset), template: node.value, key: key === 'key' });
    },
  });
  return uses;
}

/**
 * Flux substitutes after kustomize has built: a parameter in what kustomize reads to find files
 * and objects (resources, a patch's path or target) would never be replaced.
 */
function refuseTokensInPaths(data: unknown, file: string): void {
  const k = isRecord(data) ? data : {};
  const fields: [string, unknown][] = [['resources', k['resources']]];
  if (Array.isArray(k['patches'])) {
    k['patches'].forEach((p, i) => {
      if (!isRecord(p)) return;
      fields.push([`patches[${i}].path`, p['path']], [`patches[${i}].target`, p['target']]);
    });
  }
  for (const [where, value] of fields) {
    if (hasTokens(JSON.stringify(value ?? null))) {
      throw userError('GITOPS_BAD_CONFIG', `${file}: ${where} may not use parameters`, {
        hint: 'Flux substitutes parameters in the objects kustomize has built, after it has found the files and targets',
      });
    }
  }
}

function dirOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
}

/** Files a kustomization of the layer uses as patches: partial objects, not objects of the profile. */
function patchFilesIn(files: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [rel, text] of files) {
    if (!isKustomizationFile(rel)) continue;
    try {
      const [doc] = parseYamlStream(text, rel).docs;
      for (const p of patchFilesOf(doc ? toPlain(doc, rel) : null, dirOf(rel))) out.add(p);
    } catch {
      // Reported with its place when the kustomization itself is read.
    }
  }
  return out;
}

function objectOf(
  data: unknown,
  at: { file: string; line: number; layer: LayerName; profile: string },
): LayerObject {
  const where = `${at.file}:${at.line}`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: expected a Kubernetes object (a mapping), got ${describe(data)}`,
    );
  }
  const o = data as Record<string, unknown>;
  const meta = o['metadata'];
  if (typeof o['apiVersion'] !== 'string' || o['apiVersion'] === '') {
    throw userError('GITOPS_BAD_CONFIG', `${where}: object has no apiVersion`);
  }
  if (typeof o['kind'] !== 'string' || o['kind'] === '') {
    throw userError('GITOPS_BAD_CONFIG', `${where}: object has no kind`);
  }
  const m =
    typeof meta === 'object' && meta !== null && !Array.isArray(meta)
      ? (meta as Record<string, unknown>)
      : {};
  if (typeof m['name'] !== 'string' || m['name'] === '') {
    throw userError('GITOPS_BAD_CONFIG', `${where}: ${o['kind']} has no metadata.name`);
  }
  const ns = m['namespace'];
  if (ns !== undefined && typeof ns !== 'string') {
    throw userError('GITOPS_BAD_CONFIG', `${where}: metadata.namespace must be a string`);
  }
  return {
    apiVersion: o['apiVersion'],
    kind: o['kind'],
    name: m['name'],
    namespace: ns,
    ...at,
    data: o,
  };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : typeof v;
}

function sorted(files: Record<string, string>): [string, string][] {
  return Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
