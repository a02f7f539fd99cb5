/**
 * Reads YAML that users hand us (gitops.yaml, profile.yaml) defensively: bounded size, one
 * document, duplicate keys refused, alias expansion bounded (alias bombs), and every problem
 * reported as one line naming the file and line.
 */
import { readFile, stat } from 'node:fs/promises';
import { type Document, isMap, isSeq, parseDocument } from 'yaml';
import { userError } from './errors.js';

export const MAX_YAML_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

export interface LoadedYaml {
  data: unknown;
  /** Line (1-based) of the node at a path, for error messages. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** The name used in messages (as the user typed it). */
  source: string;
}

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
  if (size > MAX_YAML_BYTES) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${displayName}: file is ${size} bytes; the limit is ${MAX_YAML_BYTES}`,
    );
  }
  const text = await readFile(path, 'utf8');
  return parseYamlText(text, displayName);
}

export function parseYamlText(text: string, source: string): LoadedYaml {
  if (text.length > MAX_YAML_BYTES) {
    throw userError('GITOPS_BAD_CONFIG', `${source}: ${text.length} bytes; the limit is ${MAX_YAML_BYTES}`);
  }
  const lineStarts = computeLineStarts(text);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (e) {
    throw userError('GITOPS_BAD_CONFIG', `${source}: invalid YAML: ${(e as Error).message}`);
  }
  const first = doc.errors[0];
  if (first) {
    const line = first.pos ? lineAt(first.pos[0]) : undefined;
    const what =
      first.code === 'DUPLICATE_KEY'
        ? 'duplicate key'
        : first.code === 'MULTIPLE_DOCS'
          ? 'expected one document, found several'
          : (first.message.split('\n')[0] ?? 'syntax error').replace(/ at line \d+, column \d+:?$/, '');
    throw userError('GITOPS_BAD_CONFIG', `${source}${line ? `:${line}` : ''}: invalid YAML: ${what}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = (e as Error).message;
    if (/alias/i.test(message)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${source}: too many YAML alias expansions (limit ${MAX_ALIAS_COUNT})`,
        {
          hint: 'write the values out instead of repeating anchors',
        },
      );
    }
    throw userError('GITOPS_BAD_CONFIG', `${source}: invalid YAML: ${message}`);
  }
  return {
    data,
    source,
    lineOf(path) {
      let node: unknown = doc.contents;
      let line: number | undefined;
      for (const key of path) {
        if (!(isMap(node) || isSeq(node))) break;
        const range = (node as { range?: [number, number, number] }).range;
        if (range) line = lineAt(range[0]);
        node = node.get(key as never, true);
        const r = (node as { range?: [number, number, number] } | undefined)?.range;
        if (r) line = lineAt(r[0]);
      }
      return line;
    },
  };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
