// botocore's `pattern` traits are Java regular expressions, matched against the whole value (AWS's
// validators call Matcher.matches()). JavaScript needs the `u` flag for \p{L} and friends, and in
// that mode refuses two things Java allows: escaping any punctuation (`\:`) and a `-` after a range
// or a class escape inside brackets (`[0-9-:]`, `[\w-:]`), which Java reads as a literal hyphen.
// Both are rewritten here. Java-only syntax with no JavaScript form (possessive quantifiers, atomic
// groups, class intersections, \p{javaXxx}) makes the pattern uncheckable: it is skipped, and
// listed by uncheckablePatterns() rather than guessed at.

const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const cache = new Map<string, RegExp | null>();
const skipped = new Set<string>();

interface Token {
  text: string;
  /** A single character (may form a range), as opposed to a class escape such as \w. */
  single: boolean;
}

/** Reads one escape starting at i (pattern[i] === '\\'); returns its JS text and length. */
function escapeAt(p: string, i: number, inClass: boolean): { text: string; len: number; single: boolean } {
  const c = p[i + 1] ?? '';
  if (c === 'u') return { text: p.slice(i, i + 6), len: 6, single: true };
  if (c === 'x') return { text: p.slice(i, i + 4), len: 4, single: true };
  if (c === 'p' || c === 'P') {
    const end = p.indexOf('}', i);
    if (end < 0 || p[i + 2] !== '{') throw new Error('unbraced \\p');
    const name = p.slice(i + 3, end);
    if (name.startsWith('java') || name.startsWith('Is') || name.startsWith('In')) {
      throw new Error(`Java-only property \\p{${name}}`);
    }
    return { text: p.slice(i, end + 1), len: end + 1 - i, single: false };
  }
  if (c === 'A') return { text: '^', len: 2, single: false };
  if (c === 'z' || c === 'Z') return { text: '$', len: 2, single: false };
  if (c === 'Q' || c === 'G' || c === 'h' || c === 'H' || c === 'R' || c === 'X') {
    throw new Error(`Java-only escape \\${c}`);
  }
  if (/[dDwWsSbB]/.test(c)) return { text: `\\${c}`, len: 2, single: false };
  if (/[0-9a-zA-Z]/.test(c)) return { text: `\\${c}`, len: 2, single: true };
  // Punctuation: keep the backslash only where the u flag allows it.
  const keep = SYNTAX.has(c) || (inClass && c === '-');
  return { text: keep ? `\\${c}` : c, len: 2, single: true };
}

function translateClass(p: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let out = '[';
  if (p[i] === '^') {
    out += '^';
    i++;
  }
  const tokens: Token[] = [];
  // A ']' first in the class is a literal in Java.
  if (p[i] === ']') {
    tokens.push({ text: '\\]', single: true });
    i++;
  }
  while (i < p.length && p[i] !== ']') {
    const c = p[i]!;
    if (c === '[') throw new Error('nested character class');
    if (c === '&' && p[i + 1] === '&') throw new Error('class intersection');
    if (c === '\\') {
      const e = escapeAt(p, i, true);
      tokens.push({ text: e.text, single: e.single });
      i += e.len;
    } else {
      tokens.push({ text: c, single: true });
      i++;
    }
  }
  if (p[i] !== ']') throw new Error('unterminated character class');
  // A hyphen makes a range only between two single characters; anywhere else Java reads it as a
  // literal, which JavaScript (u flag) wants escaped.
  let k = 0;
  while (k < tokens.length) {
    const t = tokens[k]!;
    const dash = tokens[k + 1];
    const last = tokens[k + 2];
    if (t.single && t.text !== '-' && dash?.text === '-' && last?.single && last.text !== '-') {
      out += `${t.text}-${last.text}`;
      k += 3;
      continue;
    }
    out += t.text === '-' ? '\\-' : t.text;
    k++;
  }
  return { text: `${out}]`, end: i + 1 };
}

/** Java pattern -> JavaScript source (without anchors). Throws for Java-only syntax. */
export function javaToJs(p: string): string {
  let out = '';
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const e = escapeAt(p, i, false);
      out += e.text;
      i += e.len;
    } else if (c === '[') {
      const cls = translateClass(p, i);
      out += cls.text;
      i = cls.end;
    } else if (c === '(' && p[i + 1] === '?' && p[i + 2] === '>') {
      throw new Error('atomic group');
    } else if ((c === '+' || c === '?' || c === '*' || c === '}') && p[i + 1] === '+') {
      throw new Error('possessive quantifier');
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The whole-value matcher for a botocore pattern, or null when JavaScript cannot express it. */
export function patternMatcher(pattern: string): RegExp | null {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let re: RegExp | null;
  try {
    re = new RegExp(`^(?:${javaToJs(pattern)})$`, 'u');
  } catch {
    re = null;
    skipped.add(pattern);
  }
  cache.set(pattern, re);
  return re;
}

/** Patterns met so far that could not be translated (and so were not checked). */
export function uncheckablePatterns(): string[] {
  return [...skipped];
}
