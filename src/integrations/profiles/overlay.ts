/**
 * A cluster's layer overlay (`clusters/<c>/<layer>/kustomization.yaml`) belongs to the team: gitops
 * writes it once, and afterwards owns exactly the entries of `resources` that point into
 * `profiles/` (which profile version the cluster runs). The rewriter changes only those entries,
 * by editing the text where they stand, so comments, order, quoting and everything else the team
 * wrote stay byte for byte. When the file has been changed so that this cannot be done safely
 * (not one YAML mapping, `resources` not a list, an entry into profiles/ that is not a whole
 * layer folder, anchors), it is left as it is and the reason is returned for a warning.
 */
import { type Document, isMap, isScalar, isSeq, type Scalar, type YAMLSeq } from 'yaml';
import { isGitopsError } from '../../primitives/errors.js';
import { parseYamlDocument } from '../../primitives/yaml.js';
import { writtenPlain } from '../../primitives/yaml11.js';
import type { LayerName } from './layers.js';
import { fromOverlay, PROFILES_ROOT, resolveFromOverlay, sharedFolder } from './layout.js';

export interface OverlayTarget {
  clusterPath: string;
  layer: LayerName;
  /** The profile versions of the chain that have this layer, in chain order. */
  profiles: readonly { name: string; version: string }[];
}

export type OverlayRewrite =
  | { status: 'unchanged' }
  | { status: 'rewritten'; text: string }
  | { status: 'unsafe'; reason: string };

/** The entries gitops owns in an overlay: one per profile version, into its layer folder. */
export function profileEntries(target: OverlayTarget): string[] {
  return target.profiles.map((p) =>
    fromOverlay(target.clusterPath, target.layer, `${sharedFolder(p.name, p.version)}/${target.layer}`),
  );
}

/** The overlay as gitops first writes it. */
export function initialOverlay(target: OverlayTarget): string {
  const entries = profileEntries(target);
  return [
    `# The ${target.layer} layer of this cluster. This file is yours: gitops wrote it once and never`,
    '# overwrites it. It changes only the resources entries that point into profiles/ (which',
    '# profile version this cluster runs). Add patches and resources of your own here.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    entries.length === 0 ? 'resources: []' : 'resources:',
    ...entries.map((e) => `  - ${e}`),
    '',
  ].join('\n');
}

/** Points the overlay's profile entries at `target`'s versions, touching nothing else. */
export function rewriteOverlay(text: string, target: OverlayTarget): OverlayRewrite {
  let doc: Document.Parsed;
  try {
    // The reader's limits (size, aliases) hold for the team's files too; what it refuses is kept.
    ({ doc } = parseYamlDocument(text, `${target.layer}/kustomization.yaml`));
  } catch (e) {
    if (isGitopsError(e)) return unsafe(`the YAML reader refused it (${e.message})`);
    throw e;
  }
  if (!isMap(doc.contents)) return unsafe('it is not a YAML mapping');
  if (/^(---|\.\.\.)/m.test(text.slice(doc.contents.range[1])))
    return unsafe('it holds several YAML documents');
  const wanted = profileEntries(target);
  const node = doc.contents.get('resources', true);
  if (node === undefined) {
    if (wanted.length === 0) return { status: 'unchanged' };
    const tail = text.endsWith('\n') || text === '' ? '' : '\n';
    return rewritten(text, `${text}${tail}resources:\n${wanted.map((e) => `  - ${e}\n`).join('')}`);
  }
  if (!isSeq(node)) return unsafe('its resources is not a list');
  const items: { node: Scalar; owned: boolean }[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') {
      return unsafe('an entry of its resources is not a plain path');
    }
    const owned = ownedEntry(item.value, target);
    if (owned === 'foreign')
      return unsafe(
        `its entry "${item.value}" points into profiles/ but not at a whole ${target.layer} folder`,
      );
    if (item.anchor || item.type === 'BLOCK_FOLDED' || item.type === 'BLOCK_LITERAL') {
      if (owned) return unsafe(`its entry "${item.value}" is written in a form gitops does not edit`);
    }
    items.push({ node: item, owned });
  }
  const current = items.filter((i) => i.owned).map((i) => i.node.value as string);
  if (current.length === wanted.length && current.every((v, i) => v === wanted[i]))
    return { status: 'unchanged' };
  return node.flow ? rewriteFlow(text, node, items, wanted) : rewriteBlock(text, items, wanted);
}

/** true: an entry gitops owns; false: the team's; 'foreign': into profiles/, but not ours to move. */
function ownedEntry(entry: string, target: OverlayTarget): boolean | 'foreign' {
  const resolved = resolveFromOverlay(target.clusterPath, target.layer, entry);
  if (resolved === undefined || !resolved.startsWith(`${PROFILES_ROOT}/`)) return false;
  const parts = resolved.split('/');
  return parts.length === 4 && parts[3] === target.layer ? true : 'foreign';
}

type Item = { node: Scalar; owned: boolean };

function rewriteFlow(text: string, seq: YAMLSeq, items: Item[], wanted: string[]): OverlayRewrite {
  const first = items.findIndex((i) => i.owned);
  const kept = items.filter((i) => !i.owned).map((i) => text.slice(i.node.range![0], i.node.range![1]));
  const at = first < 0 ? 0 : items.slice(0, first).filter((i) => !i.owned).length;
  const entries = [...kept.slice(0, at), ...wanted.map(scalarText), ...kept.slice(at)];
  const [start, end] = seq.range!;
  return rewritten(text, `${text.slice(0, start)}[${entries.join(', ')}]${text.slice(end)}`);
}

function rewriteBlock(text: string, items: Item[], wanted: string[]): OverlayRewrite {
  const owned = items.filter((i) => i.owned);
  const lineStart = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = (offset: number) => {
    const nl = text.indexOf('\n', offset);
    return nl < 0 ? text.length : nl + 1;
  };
  // The indentation of the list: what precedes the first item's `-` on its line.
  const firstItem = items[0]!.node;
  const dash = text.lastIndexOf('-', firstItem.range![0]);
  const indent = text.slice(lineStart(dash), dash);
  const edits: { start: number; end: number; text: string }[] = [];
  owned.forEach((item, i) => {
    const [start, end] = item.node.range!;
    if (i < wanted.length) edits.push({ start, end, text: scalarText(wanted[i]!) });
    else edits.push({ start: lineStart(text.lastIndexOf('-', start)), end: lineEnd(end), text: '' });
  });
  const extra = wanted
    .slice(owned.length)
    .map((e) => `${indent}- ${scalarText(e)}\n`)
    .join('');
  if (extra !== '') {
    if (owned.length > 0) {
      const at = lineEnd(owned[owned.length - 1]!.node.range![1]);
      edits.push({ start: at, end: at, text: extra });
    } else {
      const at = lineStart(dash);
      edits.push({ start: at, end: at, text: extra });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return rewritten(text, out);
}

function scalarText(value: string): string {
  return writtenPlain(value) ? value : JSON.stringify(value);
}

function rewritten(before: string, after: string): OverlayRewrite {
  return before === after ? { status: 'unchanged' } : { status: 'rewritten', text: after };
}

function unsafe(reason: string): OverlayRewrite {
  return { status: 'unsafe', reason };
}
