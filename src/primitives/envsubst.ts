/**
 * The variable syntax of Flux's post-build substitution (fluxcd/pkg/envsubst, a fork of
 * drone/envsubst), for the part gitops uses: `${name}` is the variable's value (empty when it is
 * not set, Flux's default mode), `${name:=word}`, `${name:-word}`, `${name=word}` and
 * `${name-word}` give a default, and `$$` is a literal `$` (so `$${name}` writes `${name}`). A `$`
 * before anything else is text. Other expressions Flux knows (substrings, replacements, case
 * changes) are refused here rather than guessed.
 */
export interface Reference {
  /** The whole expression as written, `${name}` or `${name:=word}`. */
  text: string;
  name: string;
  /** Offset of the expression in the text. */
  offset: number;
  fallback?: { op: ':=' | ':-' | '=' | '-'; word: string };
}

export class SubstitutionError extends Error {}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** Every `${...}` of a text, in order; a malformed one throws SubstitutionError. */
export function references(text: string): Reference[] {
  const out: Reference[] = [];
  scan(text, (ref) => {
    out.push(ref);
    return '';
  });
  return out;
}

/** The text with each reference replaced by `value(ref)` and `$$` by `$`. */
export function substitute(text: string, value: (ref: Reference) => string): string {
  return scan(text, value);
}

/** Flux's evaluation: a set variable's value, else the default the expression gives, else ''. */
export function variableValue(ref: Reference, vars: ReadonlyMap<string, string>): string {
  const v = vars.get(ref.name);
  const f = ref.fallback;
  if (f === undefined) return v ?? '';
  const useDefault = f.op.startsWith(':') ? v === undefined || v === '' : v === undefined;
  return useDefault ? f.word : (v ?? '');
}

function scan(text: string, replace: (ref: Reference) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new SubstitutionError(`"${text.slice(i, i + 20)}" has no closing "}"`);
      const body = text.slice(i + 2, end);
      out += replace(parse(body, text.slice(i, end + 1), i));
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function parse(body: string, whole: string, offset: number): Reference {
  const m = /^([^:=-]*)(:=|:-|=|-)?(.*)$/s.exec(body)!;
  const name = m[1] ?? '';
  if (!NAME.test(name)) throw new SubstitutionError(`"${whole}" is not a variable reference`);
  if (m[2] === undefined) {
    if (m[3] !== '') throw new SubstitutionError(`"${whole}" is not a variable reference`);
    return { text: whole, name, offset };
  }
  return { text: whole, name, offset, fallback: { op: m[2] as ':=' | ':-' | '=' | '-', word: m[3] ?? '' } };
}
