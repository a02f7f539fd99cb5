/**
 * Converts a cluster folder of the layout before layers (a full, substituted copy of the profile
 * under `<cluster>/profile/`, rewritten by every bootstrap) into the layered layout, without
 * losing what the team changed there. What gitops wrote is the folder at its last bootstrap
 * commit; what the team changed is the difference between that and the tip, object by object,
 * as kustomize builds both:
 *   - an object changed: a JSON patch of exactly the changed fields, in the overlay of the layer
 *     the object is in now (`<layer>/migrated/...`), targeted at it;
 *   - an object removed: a `$patch: delete` patch there;
 *   - an object added: a resource of its own in the apps overlay;
 *   - a folder the team added to the old root kustomization: a resource of the apps overlay.
 * Values keep their dollars literal (`$` becomes `$$`): the overlays are substituted by Flux.
 */
import { posix } from 'node:path';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { stringify } from 'yaml';
import { userError } from '../../primitives/errors.js';
import { parseYamlText } from '../../primitives/yaml.js';
import { readFile } from 'node:fs/promises';
import { splitApiVersion } from '../kube/api-kinds.js';
import type { KubeObject } from '../kube/object.js';
import { buildKustomization } from '../kustomize/build.js';
import type { LayerName } from './layers.js';
import { overlayFile } from './layout.js';
import type { RenderedCluster } from './render.js';

export interface CarriedEdit {
  /** `Deployment mlflow/mlflow` */
  object: string;
  change: 'changed' | 'removed' | 'added' | 'listed';
  layer: LayerName;
  /** The overlay file that now holds it, relative to the cluster folder. */
  file: string;
  /** For a change: the JSON patch operations, as Flux will apply them before substituting. */
  operations?: Operation[];
  /** The object as the team had it (for a check after conversion). */
  edited?: KubeObject;
}

export interface Migration {
  /** The team files of the new layout: overlays holding the carried edits, and those edits. */
  teamFiles: Record<string, string>;
  edits: CarriedEdit[];
}

/**
 * `toolDir` holds the cluster folder as gitops last wrote it (undefined: unknown, the tip is taken
 * as unedited); `tipDir` the repository at its tip. Both use the same relative paths.
 */
export async function migrationEdits(input: {
  toolDir: string | undefined;
  tipDir: string;
  rendered: RenderedCluster;
}): Promise<Migration> {
  const { rendered } = input;
  const path = rendered.path;
  const edited = await objectsOf(input.tipDir, `${path}/profile`);
  const original = input.toolDir ? await objectsOf(input.toolDir, `${path}/profile`) : edited;
  const teamFiles: Record<string, string> = { ...rendered.teamFiles };
  const overlays = new Map<LayerName, { patches: unknown[]; resources: string[] }>();
  const overlayOf = (layer: LayerName) => {
    const o = overlays.get(layer) ?? { patches: [], resources: [] };
    overlays.set(layer, o);
    return o;
  };
  const edits: CarriedEdit[] = [];
  for (const [key, before] of original) {
    const after = edited.get(key);
    const layer = layerOf(rendered, before);
    const file = `${layer}/migrated/${slug(before)}.yaml`;
    if (after === undefined) {
      teamFiles[file] = header('removed', before) + stringify(deletePatch(before));
      overlayOf(layer).patches.push({ path: `migrated/${slug(before)}.yaml` });
      edits.push({ object: describe(before), change: 'removed', layer, file });
      continue;
    }
    const operations = jsonpatch.compare(before, after).map(literalDollars);
    if (operations.length === 0) continue;
    teamFiles[file] = header('changed', before) + stringify(operations, { aliasDuplicateObjects: false });
    overlayOf(layer).patches.push({ path: `migrated/${slug(before)}.yaml`, target: targetOf(before) });
    edits.push({ object: describe(before), change: 'changed', layer, file, operations, edited: after });
  }
  for (const [key, after] of edited) {
    if (original.has(key)) continue;
    const file = `apps/migrated/${slug(after)}.yaml`;
    teamFiles[file] =
      header('added', after) + stringify(literalDollarsIn(after), { aliasDuplicateObjects: false });
    overlayOf('apps').resources.push(`migrated/${slug(after)}.yaml`);
    edits.push({ object: describe(after), change: 'added', layer: 'apps', file, edited: after });
  }
  for (const entry of await rootExtras(input.toolDir, input.tipDir, path)) {
    overlayOf('apps').resources.push(posix.relative(`${path}/apps`, `${path}/${entry}`));
    edits.push({ object: entry, change: 'listed', layer: 'apps', file: overlayFile('apps') });
  }
  for (const [layer, add] of overlays) {
    teamFiles[overlayFile(layer)] = withAdditions(teamFiles[overlayFile(layer)] ?? '', add);
  }
  return { teamFiles, edits };
}

async function objectsOf(dir: string, folder: string): Promise<Map<string, KubeObject>> {
  const built = await buildKustomization(dir, folder);
  return new Map(built.objects.map((o) => [keyOf(o), o]));
}

function keyOf(o: KubeObject): string {
  return `${splitApiVersion(o.apiVersion).group}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name ?? ''}`;
}

/** The layer the new profile version applies the object in; one it no longer has goes to apps. */
function layerOf(rendered: RenderedCluster, o: KubeObject): LayerName {
  const group = splitApiVersion(o.apiVersion).group;
  const p = rendered.placements.find(
    (x) =>
      x.group === group &&
      x.kind === o.kind &&
      x.name === o.metadata.name &&
      (x.namespace ?? '') === (o.metadata.namespace ?? ''),
  );
  return p?.layer ?? 'apps';
}

/** A kustomize target for exactly this object (the fields are anchored regular expressions). */
function targetOf(o: KubeObject): Record<string, string> {
  const { group, version } = splitApiVersion(o.apiVersion);
  const exact = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    ...(group === '' ? {} : { group: exact(group) }),
    version: exact(version),
    kind: exact(o.kind),
    name: exact(o.metadata.name ?? ''),
    ...(o.metadata.namespace ? { namespace: exact(o.metadata.namespace) } : {}),
  };
}

function deletePatch(o: KubeObject): Record<string, unknown> {
  return {
    $patch: 'delete',
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
  };
}

/** Entries the team added to the old root kustomization (gitops wrote flux-system and profile). */
async function rootExtras(toolDir: string | undefined, tipDir: string, path: string): Promise<string[]> {
  const read = async (dir: string) => {
    const text = await readFile(`${dir}/${path}/kustomization.yaml`, 'utf8').catch(() => undefined);
    if (text === undefined) return [];
    const data = parseYamlText(text, `${path}/kustomization.yaml`).data;
    const resources = (data as { resources?: unknown } | null)?.resources;
    return Array.isArray(resources) ? resources.filter((r): r is string => typeof r === 'string') : [];
  };
  const wrote = new Set(toolDir ? await read(toolDir) : ['flux-system', 'profile']);
  for (const known of ['flux-system', 'profile']) wrote.add(known);
  return (await read(tipDir)).filter((r) => !wrote.has(r.replace(/^\.\//, '').replace(/\/+$/, '')));
}

/** Appends the carried patches and resources to an overlay as first written. */
function withAdditions(text: string, add: { patches: unknown[]; resources: string[] }): string {
  const data = parseYamlText(text, 'overlay').data as { resources?: string[] };
  if (data === null || typeof data !== 'object')
    throw userError('GITOPS_INTERNAL', 'overlay is not a mapping');
  const resources = [...(data.resources ?? []), ...add.resources];
  const lines = text.split('\n').filter((l) => !/^resources:/.test(l) && !/^ {2}- /.test(l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out = [
    ...lines,
    resources.length === 0 ? 'resources: []' : 'resources:',
    ...resources.map((r) => `  - ${r}`),
    ...(add.patches.length > 0
      ? [
          '# Edits made to the earlier layout of this folder, carried over by gitops migrate.',
          stringify({ patches: add.patches }).trimEnd(),
        ]
      : []),
    '',
  ];
  return out.join('\n');
}

function header(change: string, o: KubeObject): string {
  return `# ${describe(o)} as the team had ${change} it in the earlier layout (carried over by gitops migrate).\n`;
}

function describe(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

function slug(o: KubeObject): string {
  return [o.kind, o.metadata.namespace, o.metadata.name]
    .filter((p): p is string => typeof p === 'string' && p !== '')
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-');
}

function literalDollars(op: Operation): Operation {
  return 'value' in op ? ({ ...op, value: literalDollarsIn(op.value) } as Operation) : op;
}

/** `$` -> `$$` in every string: Flux's substitution reads `$$` as a literal `$`. */
function literalDollarsIn<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(literalDollarsIn) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [literalDollarsIn(k), literalDollarsIn(v)]),
    ) as T;
  }
  return value;
}
