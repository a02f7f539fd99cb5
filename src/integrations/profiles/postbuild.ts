/**
 * Parameters in a profile's manifests reach the cluster through Flux's post-build substitution:
 * the shared copy in the fleet repository keeps `${name}`, and Flux replaces it with the value
 * from the cluster's values ConfigMap after building each layer. Flux replaces text, in YAML it
 * wrote out itself, and reads the result back (see primitives/yaml11.ts), so render checks here,
 * for every use and this cluster's values, what Flux will read:
 *   - every `${name}` is a declared parameter or a built-in (Flux would silently put an empty
 *     string for an unknown one); `$$` is a literal `$` (so `$${` writes `${`), as in Flux;
 *   - no parameter in a mapping key or a kustomization.yaml (kustomize fields are not substituted);
 *   - a value cannot change the YAML around it: a string stays that string (`yes`, `0755`, `1.10`
 *     or `a: b` would not), a number or boolean used alone stays that number or boolean, and no
 *     value holds a line break (Flux drops them). `${quote}${name}${quote}` keeps any value a
 *     string, which is Flux's own advice for such values.
 */
import { type Reference, references, substitute, variableValue } from '../../primitives/envsubst.js';
import { userError } from '../../primitives/errors.js';
import { readPlain, readScalar, writtenPlain, type Yaml11Value } from '../../primitives/yaml11.js';
import type { ParameterValue } from './model.js';
import type { ParameterSet } from './parameters.js';

/** One scalar of a shared manifest that holds `${...}`. */
export interface TokenUse {
  file: string;
  line: number;
  /** The scalar's value as parsed (what Flux writes out again). */
  template: string;
  /** The scalar is a mapping key. */
  key: boolean;
}

/** The parameter names a text refers to; malformed references throw, naming `where`. */
export function tokensIn(text: string, where: string): string[] {
  let refs: Reference[];
  try {
    refs = references(text);
  } catch (e) {
    throw userError('GITOPS_BAD_CONFIG', `${where}: ${(e as Error).message}`, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint shows the profile syntax
      hint: 'parameters are ${name} with a letter or "_" first; $$ is a literal $, so $${ writes ${ (as in Flux)',
    });
  }
  const odd = refs.find((r) => r.fallback !== undefined);
  if (odd) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: "${odd.text}": a profile gives defaults in profile.yaml, not in manifests`,
      {
        hint: `declare the parameter with a default under parameters: and write \${${odd.name}}`,
      },
    );
  }
  return refs.map((r) => r.name);
}

/** Whether a text refers to any parameter (a literal `$${` does not count). */
export function hasTokens(text: string): boolean {
  try {
    return references(text).length > 0;
  } catch {
    return true;
  }
}

/** Flux's replacement: `${name}` -> its value, `$$` -> `$`. */
export function fluxSubstitute(text: string, vars: ReadonlyMap<string, string>): string {
  return substitute(text, (ref) => variableValue(ref, vars));
}

/** The text Flux substitutes for a parameter value (a ConfigMap holds strings). */
export function variableText(value: ParameterValue): string {
  return String(value);
}

/** Checks one use against a cluster's parameters: declared, valued, and read as meant. */
export function checkUse(use: TokenUse, params: ParameterSet, cluster: string): void {
  const where = `${use.file}:${use.line}`;
  const names = tokensIn(use.template, where);
  if (names.length === 0) return;
  if (use.key) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: a mapping key may not hold a parameter ("${use.template}")`,
    );
  }
  const vars = new Map<string, string>();
  for (const name of names) {
    const value = params.values.get(name);
    if (value === undefined) {
      throw params.missing.has(name)
        ? userError('GITOPS_BAD_CONFIG', `${where}: parameter "${name}" has no value`, {
            hint: `set profile.parameters.${name} in the cluster spec`,
          })
        : userError('GITOPS_BAD_CONFIG', `${where}: unknown parameter "\${${name}}"`, {
            hint: 'declare it under parameters: in profile.yaml, or use a built-in (cluster, region, accountId, ecrRegistry, quote)',
          });
    }
    const text = variableText(value);
    if (/[\r\n]/.test(text))
      throw unsafe(where, name, text, cluster, 'it holds a line break, which Flux drops');
    vars.set(name, text);
  }
  const result = fluxSubstitute(use.template, vars);
  const quoted = /^\$\{quote\}\$\{([A-Za-z_][A-Za-z0-9_]*)\}\$\{quote\}$/.exec(use.template);
  if (quoted) {
    const name = quoted[1]!;
    if (readScalar(result) !== vars.get(name))
      throw unsafe(
        where,
        name,
        vars.get(name)!,
        cluster,
        'a double quote or backslash in it ends the quoted string',
      );
    return;
  }
  if (use.template.includes('\n')) return; // a block scalar: the value is text inside a line of it
  if (!writtenPlain(use.template)) {
    // Flux writes this scalar quoted: a quote or backslash in a value would end or escape it.
    for (const name of names) {
      const text = vars.get(name)!;
      if (/["'\\]/.test(text))
        throw unsafe(where, name, text, cluster, 'it holds a quote or backslash inside a quoted string');
    }
    return;
  }
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(use.template);
  const typed = whole ? params.values.get(whole[1]!) : undefined;
  const meant: Yaml11Value = typeof typed === 'number' || typeof typed === 'boolean' ? typed : result;
  const read = readPlain(result);
  if (read === meant) return;
  const culprit = names.find((n) => n !== 'quote') ?? names[0]!;
  throw unsafe(
    where,
    culprit,
    vars.get(culprit)!,
    cluster,
    `Flux would read "${result}" as ${describe(read)}`,
  );
}

function unsafe(where: string, name: string, value: string, cluster: string, why: string) {
  return userError(
    'GITOPS_BAD_CONFIG',
    `${where}: \${${name}} is ${JSON.stringify(value)} for cluster ${cluster}, and ${why}`,
    {
      hint: `write \${quote}\${${name}}\${quote} in the profile to keep the value a string, or choose another value`,
    },
  );
}

function describe(v: Yaml11Value | undefined): string {
  if (v === undefined) return 'broken YAML';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'a number' : `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `the string "${v}"`;
}
