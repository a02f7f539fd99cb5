/**
 * The one way gitops reads YAML it did not write itself (gitops.yaml, profile.yaml and a
 * profile's manifests, the fleet repository's files, kubeconfigs, reconciler install manifests):
 * a size cap in bytes before parsing, duplicate keys refused, alias expansion bounded (a "billion
 * laughs" document fails instead of eating memory), and every problem reported as one line naming
 * the source and, where known, the line.
 *
 * Two parsers, one set of rules: the `yaml` package where a caller needs the document (line
 * numbers for errors, comments kept when rewriting parameters), and js-yaml for plain values from
 * large streams (the reconciler's install manifests), where it is several times faster. Both get
 * the same limits from YAML_LIMITS.
 */
import { readFile, stat } from 'node:fs/promises';
import jsyaml from 'js-yaml';
import { type Document, isMap, isSeq, LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { type ErrorCode, userError } from './errors.js';

export const YAML_LIMITS = {
  /** A hand-written file (a spec, a profile, a manifest); anything bigger is a mistake or an attack. */
  maxBytes: 1024 * 1024,
  /** A bundle of generated manifests (a reconciler's install.yaml is about 0.4 MiB). */
  maxBundleBytes: 8 * 1024 * 1024,
  /** Aliases (references to an anchored node); an honest file uses a handful at most. */
  maxAliases: 50,
  /** Nodes that writing every alias out may add (a "billion laughs" adds billions). */
  maxAliasExpansion: 5000,
} as const;

/** Kept for callers that cap a file before reading it. */
export const MAX_YAML_BYTES = YAML_LIMITS.maxBytes;

export interface LoadedYaml {
  data: unknown;
  /** Line (1-based) of the node at a path, for error messages. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** The name used in messages (as the user typed it). */
  source: string;
}

export interface ParsedYaml {
  docs: Document.Parsed[];
  lines: LineCounter;
}

export function checkSize(
  text: string,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
  limit: number = YAML_LIMITS.maxBytes,
): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limit) throw userError(code, `${source}: file is too large (${bytes} bytes, limit ${limit})`);
}

/** One YAML document from a file (gitops.yaml): the file must exist and be a regular file. */
export async function readYamlFile(path: string, displayName = path): Promise<LoadedYaml> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw userError('GITOPS_BAD_CONFIG', `${displayName}: not a file`);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw userError('GITOPS_BAD_CONFIG', `${displayName}: no such file`);
    }
    throw e;
  }
  if (size > YAML_LIMITS.maxBytes) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${displayName}: file is too large (${size} bytes, limit ${YAML_LIMITS.maxBytes})`,
    );
  }
  return parseYamlText(await readFile(path, 'utf8'), displayName);
}

/**
 * Exactly one document, kept as a document (comments, order, positions) for a caller that edits
 * the text in place, with the same size, key and alias rules as plain reading.
 */
export function parseYamlDocument(
  text: string,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): { doc: Document.Parsed; lines: LineCounter; data: unknown } {
  checkSize(text, source, code);
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    lineCounter: lines,
  });
  const first = doc.errors[0];
  if (first) {
    const what =
      first.code === 'DUPLICATE_KEY'
        ? 'duplicate key'
        : first.code === 'MULTIPLE_DOCS'
          ? 'expected one document, found several'
          : firstLine(first.message);
    throw userError(code, `${source}:${lines.linePos(first.pos[0]).line}: invalid YAML: ${what}`);
  }
  return { doc, lines, data: toPlain(doc, source, code) };
}

/** Exactly one document, with the line of any path for error messages. */
export function parseYamlText(
  text: string,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): LoadedYaml {
  const { doc, lines, data } = parseYamlDocument(text, source, code);
  const lineAt = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  return {
    data,
    source,
    lineOf(path) {
      let node: unknown = doc.contents;
      let line: number | undefined;
      for (const key of path) {
        if (!(isMap(node) || isSeq(node))) break;
        line = lineAt(node) ?? line;
        node = node.get(key as never, true);
        line = lineAt(node) ?? line;
      }
      return line;
    },
  };
}

/** One or more documents, kept as documents (comments and positions), checked for errors. */
export function parseYamlStream(
  text: string,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): ParsedYaml {
  checkSize(text, source, code);
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err)
      throw userError(
        code,
        `${source}:${lines.linePos(err.pos[0]).line}: invalid YAML: ${err.code === 'DUPLICATE_KEY' ? 'duplicate key' : firstLine(err.message)}`,
      );
  }
  return { docs: list, lines };
}

/** A parsed document as plain data; an alias bomb surfaces here as a one-line error. */
export function toPlain(
  doc: Document.Parsed,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): unknown {
  let value: unknown;
  try {
    // Aliases resolve to the anchored value itself (shared, not copied), so nothing grows here;
    // checkAliases counts them the same way for both parsers.
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    throw userError(
      code,
      `${source}: invalid YAML: ${firstLine(e instanceof Error ? e.message : String(e))}`,
    );
  }
  checkAliases([value], source, code);
  return value;
}

export function lineOf(lines: LineCounter, offset: number): number {
  return lines.linePos(offset).line;
}

// YAML 1.2 core (as Kubernetes and Flux read manifests: plain `on`/`yes` stay strings, dates stay
// strings) plus merge keys, which Kubernetes' own YAML reader also accepts. (@types/js-yaml does
// not declare the built-in `types` the library exports.)
const { merge } = (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types;
const CORE_WITH_MERGE = jsyaml.CORE_SCHEMA.extend({ implicit: [merge] });

export interface ValuesError {
  /** 0-based line of the problem, when the parser knows it. */
  line: number | undefined;
  reason: string;
}

/**
 * Every document of a stream as plain values, fast (js-yaml), with the same rules: a size cap,
 * duplicate keys refused (js-yaml's default) and aliases bounded. js-yaml shares the node an
 * alias points to instead of copying it, so a bomb costs nothing to load but explodes when the
 * values are serialised: the shared nodes are counted here instead.
 */
export function parseYamlValues(
  text: string,
  source: string,
  options: { code?: ErrorCode; maxBytes?: number; describe?: (e: ValuesError) => string } = {},
): unknown[] {
  const code = options.code ?? 'GITOPS_BAD_INPUT';
  checkSize(text, source, code, options.maxBytes ?? YAML_LIMITS.maxBytes);
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { schema: CORE_WITH_MERGE });
  } catch (e) {
    const line = (e as { mark?: { line?: number } }).mark?.line;
    const reason = (e as { reason?: string }).reason ?? firstLine((e as Error).message);
    const described = options.describe?.({ line, reason });
    throw userError(
      code,
      described ?? `${source}${line === undefined ? '' : `:${line + 1}`}: invalid YAML: ${reason}`,
    );
  }
  checkAliases(docs, source, code);
  return docs;
}

/**
 * Both parsers give an alias the anchored value itself, so a document is a graph in which an
 * alias is an object reached a second time. It may hold at most maxAliases of those, may not
 * refer to itself, and writing every alias out may add at most maxAliasExpansion nodes: nested
 * aliases multiply (four levels of ten aliases each are ten thousand nodes from forty aliases).
 */
function checkAliases(roots: unknown[], source: string, code: ErrorCode): void {
  const size = new Map<object, number>();
  const open = new Set<object>();
  let aliases = 0;
  let distinct = 0;
  const refuse = (why: string) =>
    userError(code, `${source}: too many YAML alias expansions (${why})`, {
      hint: 'write the values out instead of repeating anchors',
    });
  const expanded = (v: unknown): number => {
    if (v === null || typeof v !== 'object') {
      distinct++;
      return 1;
    }
    const known = size.get(v);
    if (known !== undefined) {
      if (++aliases > YAML_LIMITS.maxAliases) throw refuse(`limit ${YAML_LIMITS.maxAliases}`);
      return known;
    }
    if (open.has(v))
      throw userError(code, `${source}: invalid YAML: an alias refers to a node that contains it`);
    open.add(v);
    distinct++;
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) n += expanded(child);
    open.delete(v);
    size.set(v, n);
    if (n - distinct > YAML_LIMITS.maxAliasExpansion)
      throw refuse(`they add more than ${YAML_LIMITS.maxAliasExpansion} nodes`);
    return n;
  };
  let total = 0;
  for (const root of roots) total += expanded(root);
  if (total - distinct > YAML_LIMITS.maxAliasExpansion)
    throw refuse(`they add more than ${YAML_LIMITS.maxAliasExpansion} nodes`);
}

/** yaml's messages can span lines (with a code excerpt); the first line says what is wrong. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? 'syntax error').replace(/ at line \d+, column \d+:?$/, '');
}
