/**
 * Reads YAML we did not write (profiles from folders and git URLs) without letting it hurt us:
 * a size cap before parsing, duplicate keys rejected, alias expansion bounded (a "billion
 * laughs" document fails instead of eating memory), and every error reported as one line
 * naming the file and the line.
 */
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { userError, type ErrorCode } from './errors.js';

/** profile.yaml and manifests are hand-written text; anything bigger is a mistake or an attack. */
export const MAX_YAML_BYTES = 1024 * 1024;
/** yaml's own default is 100; an honest manifest uses a handful at most. */
const MAX_ALIAS_COUNT = 50;

export interface ParsedYaml {
  docs: Document.Parsed[];
  lines: LineCounter;
}

export function checkSize(text: string, source: string, code: ErrorCode = 'GITOPS_BAD_CONFIG'): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_YAML_BYTES) {
    throw userError(code, `${source}: file is too large (${bytes} bytes, limit ${MAX_YAML_BYTES})`);
  }
}

/** Parses one or more documents; throws the first parse error as `file:line: message`. */
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
    if (err) throw yamlError(err.message, err.pos[0], lines, source, code);
  }
  return { docs: list, lines };
}

/** Converts a parsed document to plain data; an alias bomb surfaces here as a one-line error. */
export function toPlain(
  doc: Document.Parsed,
  source: string,
  code: ErrorCode = 'GITOPS_BAD_CONFIG',
): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw userError(
      code,
      `${source}: ${/alias/i.test(msg) ? 'too many alias expansions (YAML alias bomb?)' : msg}`,
    );
  }
}

export function lineOf(lines: LineCounter, offset: number): number {
  return lines.linePos(offset).line;
}

function yamlError(message: string, offset: number, lines: LineCounter, source: string, code: ErrorCode) {
  const line = lineOf(lines, offset);
  // yaml's messages can span lines (with a code excerpt); the first line says what is wrong.
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return userError(code, `${source}:${line}: invalid YAML: ${first}`);
}
