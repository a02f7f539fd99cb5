/**
 * How Go's YAML 1.1 reader (gopkg.in/yaml.v2, behind sigs.k8s.io/yaml) reads one scalar of a
 * block mapping, and whether its writer would leave a string plain. Flux's post-build
 * substitution runs on text: kustomize-controller writes each built object out as YAML
 * (JSON -> YAML, so the quoting of the source file is gone), replaces `${var}` in that text and
 * reads it back with sigs.k8s.io/yaml. A value therefore lands in a plain scalar unless the
 * template around it needed quotes, and what it becomes is decided by these rules.
 *
 * Sources: yaml.v2's resolve.go (the plain values that are booleans, nulls, numbers), its
 * decoder (a timestamp decoded into interface{} stays a string "for backward compatibility"),
 * and its emitter's scalar analysis (when a string cannot be written plain).
 */

/** y/yes/on ... are booleans in YAML 1.1; ~ and null are nulls. */
const BOOLS = new Set(
  'y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF'.split(' '),
);
const TRUE = new Set('y Y yes Yes YES true True TRUE on On ON'.split(' '));
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS = /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go's ParseInt with base 0 (after yaml.v2 drops underscores): decimal, 0x, 0o, 0b, leading-0 octal. */
const INT = /^[-+]?(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+)$/;
/** Sexagesimal numbers (1:20): yaml.v2's writer quotes them, so treat them as non-strings. */
const BASE60 = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;

export type Yaml11Value = string | number | boolean | null;

/** What a plain scalar reads as, or `undefined` when the text cannot be one plain scalar. */
export function readPlain(text: string): Yaml11Value | undefined {
  if (!plainAllowed(text)) return NULLS.has(text) ? null : undefined;
  if (NULLS.has(text)) return null;
  if (BOOLS.has(text)) return TRUE.has(text);
  if (SPECIAL_FLOATS.test(text)) return Number.NaN;
  const digits = text.replaceAll('_', '');
  if (INT.test(digits)) return parseGoInt(digits);
  if (FLOAT.test(digits)) return Number(digits);
  if (BASE60.test(text)) return Number.NaN;
  // Timestamps (2024-12-09) resolve to !!timestamp, but decoding into interface{} keeps the text.
  return text;
}

/**
 * What a scalar written in a block mapping reads as: double-quoted ("..."), single-quoted
 * ('...') or plain; `undefined` when the text is not one well-formed scalar.
 */
export function readScalar(text: string): Yaml11Value | undefined {
  if (text.startsWith('"')) return readDoubleQuoted(text);
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'$/.exec(text);
    return m ? m[1]!.replaceAll("''", "'") : undefined;
  }
  return readPlain(text);
}

/**
 * Whether yaml.v2 writes this string plain (otherwise it quotes it, or uses a block scalar for
 * text with line breaks): it must read back as the same string, and be plain-safe.
 */
export function writtenPlain(text: string): boolean {
  return plainAllowed(text) && readPlain(text) === text;
}

/**
 * A string as a YAML scalar every reader takes for that same string: plain when Go's YAML 1.1
 * reader would read it back unchanged, else double-quoted (JSON's escapes are YAML's).
 */
export function stringScalar(text: string): string {
  return writtenPlain(text) ? text : JSON.stringify(text);
}

/**
 * The emitter's rules for a plain scalar in block context: not empty, no leading or trailing
 * blank, no indicator character first (`-`, `?`, `:` only when followed by a blank), no `: ` or
 * ` #` inside, no trailing `:`, no document marker, nothing outside printable characters.
 */
export function plainAllowed(text: string): boolean {
  if (text === '') return false;
  if (/^[\s]|[\s]$/.test(text)) return false;
  if (/[^\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(text)) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(text)) return false;
  if (/^[-?:](\s|$)/.test(text)) return false;
  if (text.startsWith('---') || text.startsWith('...')) return false;
  if (/:(\s|$)/.test(text) || /\s#/.test(text)) return false;
  return true;
}

function readDoubleQuoted(text: string): string | undefined {
  // YAML's double-quoted escapes are a superset of JSON's: what JSON reads, YAML reads the same.
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseGoInt(digits: string): number {
  const sign = digits.startsWith('-') ? -1 : 1;
  const body = digits.replace(/^[-+]/, '');
  if (/^0[xX]/.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (/^0[bB]/.test(body)) return sign * Number.parseInt(body.slice(2), 2);
  if (/^0[oO]/.test(body)) return sign * Number.parseInt(body.slice(2), 8);
  if (/^0[0-7]+$/.test(body)) return sign * Number.parseInt(body.slice(1), 8);
  return sign * Number.parseInt(body, 10);
}
