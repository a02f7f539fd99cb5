/**
 * Renders one profile layer's files: parameters substituted, every manifest checked to be a
 * Kubernetes object (a mapping with apiVersion, kind and metadata.name), every kustomization
 * checked to stay local. Pure: input text in, output text out.
 */
import { userError } from '../../primitives/errors.js';
import { checkKustomization, isKustomizationFile, patchFilesOf } from '../kustomize/check.js';
import { parsePatch } from '../kustomize/patches.js';
import type { ProfileLayer } from './layer.js';
import { parseYamlStream, toPlain } from '../../primitives/yaml.js';
import { type SubstitutionContext, substituteDocument, substituteText } from './substitute.js';
import type { ParameterSet } from './parameters.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  /** Display path and line of the document, for messages. */
  file: string;
  line: number;
}

export interface RenderedLayer {
  /** Path relative to manifests/ -> rendered text. */
  manifests: Record<string, string>;
  /** Path relative to templates/ -> rendered text. */
  templates: Record<string, string>;
  objects: ObjectRef[];
}

const YAML_FILE = /\.ya?ml$/i;

export function renderLayer(layer: ProfileLayer, params: ParameterSet, used: Set<string>): RenderedLayer {
  const out: RenderedLayer = { manifests: {}, templates: {}, objects: [] };
  const manifestPaths = new Set(
    Object.keys(layer.files)
      .filter((p) => p.startsWith('manifests/'))
      .map((p) => p.slice('manifests/'.length)),
  );
  if (manifestPaths.size > 0 && !manifestPaths.has('kustomization.yaml')) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${layer.label}/manifests: no kustomization.yaml listing the resources`,
    );
  }
  const patchFiles = patchFilesIn(layer);
  for (const [path, text] of Object.entries(layer.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = `${layer.label}/${path}`;
    const ctx: SubstitutionContext = { params, file, used };
    const isManifest = path.startsWith('manifests/');
    const rel = path.slice(path.indexOf('/') + 1);
    let rendered: string;
    if (!YAML_FILE.test(path)) {
      rendered = substituteText(text, ctx);
    } else {
      const { docs, lines } = parseYamlStream(text, file);
      const parts: string[] = [];
      for (const doc of docs) {
        if (doc.contents === null && !doc.commentBefore && !doc.comment) continue;
        substituteDocument(doc, text, lines, ctx);
        // The first line of the object itself, past any `---` and leading comments.
        const line = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
        if (isManifest) {
          const data = toPlain(doc, file);
          if (isKustomizationFile(rel)) {
            checkKustomization(data, file, dirOf(rel), manifestPaths);
          } else if (patchFiles.has(rel)) {
            // Checked whole below: a JSON 6902 patch is a list, not an object of the profile.
          } else if (data !== null) {
            out.objects.push(objectRef(data, file, line));
          }
        }
        parts.push(doc.toString({ lineWidth: 0 }));
      }
      rendered = parts.join('');
      if (isManifest && patchFiles.has(rel)) parsePatch(rendered, file);
    }
    if (isManifest) out.manifests[rel] = rendered;
    else out.templates[rel] = rendered;
  }
  return out;
}

function dirOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
}

/** manifests/ files that a kustomization of the layer uses as patches (relative to manifests/). */
function patchFilesIn(layer: ProfileLayer): Set<string> {
  const out = new Set<string>();
  for (const [path, text] of Object.entries(layer.files)) {
    if (!path.startsWith('manifests/') || !isKustomizationFile(path)) continue;
    const rel = path.slice('manifests/'.length);
    try {
      const [doc] = parseYamlStream(text, path).docs;
      for (const p of patchFilesOf(doc ? toPlain(doc, path) : null, dirOf(rel))) out.add(p);
    } catch {
      // The rendering loop reports an unreadable kustomization with its file and line.
    }
  }
  return out;
}

function objectRef(data: unknown, file: string, line: number): ObjectRef {
  const where = `${file}:${line}`;
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
  return { apiVersion: o['apiVersion'], kind: o['kind'], namespace: ns, name: m['name'], file, line };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : typeof v;
}
