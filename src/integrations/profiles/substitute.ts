/**
 * `${name}` substitution. In YAML files it works on parsed scalars, not on text: a value can never
 * inject YAML structure (a `: ` or a newline in a parameter stays inside its string), a scalar
 * that is exactly `${count}` takes the parameter's type (number, boolean), and strings that a YAML
 * 1.1 reader (Helm, kubectl) would take for something else (`yes`, `0755`, `2024-12-09`) come out
 * quoted. `$${` writes a literal `${`; `${{` (GitHub Actions expressions) is left alone.
 */
import { type Document, type LineCounter, type Scalar, visit } from 'yaml';
import { userError } from '../../primitives/errors.js';
import { BUILTIN_PARAMETERS, type ParameterValue } from './model.js';
import type { ParameterSet } from './parameters.js';
import { lineOf } from '../../primitives/yaml.js';

const TOKEN = /\$\$\{|\$\{(?!\{)([^}\n]*)\}/g;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SubstitutionContext {
  params: ParameterSet;
  /** Display path of the file, for messages. */
  file: string;
  /** Names used, so unused required parameters can be told apart from used ones. */
  used: Set<string>;
}

/** Looks a name up, or throws `file:line: ...` for an unknown or valueless parameter. */
function lookup(name: string, ctx: SubstitutionContext, line: number): ParameterValue {
  return parameterValue(name, ctx, `${ctx.file}:${line}`);
}

/** The value of `${name}`; `where` says where the reference was (a file and line, or a JSON path). */
export function parameterValue(name: string, ctx: SubstitutionContext, where: string): ParameterValue {
  if (!IDENT.test(name)) {
    throw userError('GITOPS_BAD_CONFIG', `${where}: "\${${name}}" is not a parameter reference`, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint shows the profile syntax
      hint: 'parameters are ${name} with a letter or "_" first; write $${ for a literal ${',
    });
  }
  ctx.used.add(name);
  const value = ctx.params.values.get(name);
  if (value !== undefined) return value;
  if (ctx.params.missing.has(name)) {
    throw userError('GITOPS_BAD_CONFIG', `${where}: parameter "${name}" has no value`, {
      hint: `set profile.parameters.${name} in the cluster spec`,
    });
  }
  throw userError('GITOPS_BAD_CONFIG', `${where}: unknown parameter "\${${name}}"`, {
    hint: `declare it under parameters: in profile.yaml, or use a built-in (${BUILTIN_PARAMETERS.join(', ')})`,
  });
}

/** Plain text (non-YAML files): replaces tokens in place. */
export function substituteText(text: string, ctx: SubstitutionContext): string {
  return text.replace(TOKEN, (match, name: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const line = text.slice(0, offset).split('\n').length;
    return String(lookup(name ?? '', ctx, line));
  });
}

/** Substitutes in every scalar value of one parsed document, in place. */
export function substituteDocument(
  doc: Document.Parsed,
  source: string,
  lines: LineCounter,
  ctx: SubstitutionContext,
): void {
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      substituteScalar(node, source, lines, ctx);
    },
  });
}

function substituteScalar(node: Scalar, source: string, lines: LineCounter, ctx: SubstitutionContext): void {
  const text = node.value as string;
  const start = node.range?.[0] ?? 0;
  const raw = source.slice(start, node.range?.[1] ?? start);
  // The line of a token: found in the scalar's own source text when it appears there verbatim.
  const lineFor = (token: string): number => {
    const at = raw.indexOf(token);
    return lineOf(lines, start + Math.max(at, 0));
  };
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text);
  if (whole && node.type === 'PLAIN') {
    const value = lookup(whole[1]!, ctx, lineFor(text));
    node.value = value;
    if (typeof value === 'string' && ambiguousInYaml11(value)) node.type = 'QUOTE_DOUBLE';
    return;
  }
  let changed = false;
  const out = text.replace(TOKEN, (match, name: string | undefined) => {
    changed = true;
    if (match === '$${') return '${';
    return String(lookup(name ?? '', ctx, lineFor(match)));
  });
  if (!changed) return;
  node.value = out;
  if ((node.type === 'PLAIN' || node.type === undefined) && ambiguousInYaml11(out))
    node.type = 'QUOTE_DOUBLE';
}

/**
 * True for strings that YAML 1.1 readers (go-yaml in Helm and kubectl) would resolve to a
 * boolean, null, number or timestamp when written plain.
 */
export function ambiguousInYaml11(s: string): boolean {
  return (
    s === '' ||
    /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL)$/.test(
      s,
    ) ||
    /^[-+]?(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?$/.test(s) ||
    /^[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)$/.test(s) ||
    /^[-+]?\d[\d_]*(:[0-5]?\d)+(\.\d*)?$/.test(s) ||
    /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/.test(s) ||
    /^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s)
  );
}
