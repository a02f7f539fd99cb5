/**
 * A profile's templates/: files the team copies elsewhere (a CI workflow), rendered with the
 * cluster's values at bootstrap, since nothing substitutes them later. YAML files are substituted
 * in parsed scalars (a value cannot inject YAML, a value that is exactly `${count}` keeps its
 * type, strings a YAML 1.1 reader would misread come out quoted); other files as text. `$${` is a
 * literal `${`; `${{ ... }}` (GitHub Actions) is left alone.
 */
import { parseYamlStream } from '../../primitives/yaml.js';
import type { ParameterSet } from './parameters.js';
import { type SubstitutionContext, substituteDocument, substituteText } from './substitute.js';

const YAML_FILE = /\.ya?ml$/i;

/** Path inside templates/ -> rendered text. `label` names the profile in messages. */
export function renderTemplates(
  templates: Readonly<Record<string, string>>,
  label: string,
  params: ParameterSet,
  used: Set<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, text] of Object.entries(templates).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = `${label}/templates/${rel}`;
    const ctx: SubstitutionContext = { params, file, used };
    if (!YAML_FILE.test(rel)) {
      out[rel] = substituteText(text, ctx);
      continue;
    }
    const { docs, lines } = parseYamlStream(text, file);
    const parts: string[] = [];
    for (const doc of docs) {
      if (doc.contents === null && !doc.commentBefore && !doc.comment) continue;
      substituteDocument(doc, text, lines, ctx);
      parts.push(doc.toString({ lineWidth: 0 }));
    }
    out[rel] = parts.join('');
  }
  return out;
}
