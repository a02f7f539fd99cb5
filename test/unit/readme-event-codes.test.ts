/**
 * Scripts match on event codes, and the README's JSON output table is where they learn them: every
 * code the registry holds is there, under the event type it is emitted as, and the table names no
 * code the registry does not hold.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFO_CODES, LIFECYCLE_CODES, WARNING_CODES } from '../../src/primitives/events.js';

const README = readFileSync(path.join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The rows of the code table under "## JSON output": the codes of each row and what it says. */
function codeTable(): { codes: string[]; when: string }[] {
  const section = README.slice(README.indexOf('## JSON output'));
  const table = section.slice(
    section.indexOf('| code | when |'),
    section.indexOf('\n\n', section.indexOf('| code | when |')),
  );
  return table
    .split('\n')
    .slice(2)
    .map((row) => {
      const [codes = '', when = ''] = row.split(' | ');
      return { codes: [...codes.matchAll(/`(GITOPS_[A-Z_]+)`/g)].map((m) => m[1]!), when };
    });
}

describe("the README's event code table", () => {
  const rows = codeTable();
  const documented = (when: RegExp) => rows.filter((r) => when.test(r.when)).flatMap((r) => r.codes);

  it('lists every info code as information and every warning code as a warning', () => {
    expect(documented(/type: info/).sort()).toEqual(Object.keys(INFO_CODES).sort());
    expect(documented(/type: warning/).sort()).toEqual(Object.keys(WARNING_CODES).sort());
  });

  it('lists every lifecycle code, and nothing the registry does not hold', () => {
    const all = rows.flatMap((r) => r.codes);
    for (const code of Object.values(LIFECYCLE_CODES)) expect(all).toContain(code);
    const registered = new Set<string>([
      ...Object.values(LIFECYCLE_CODES),
      ...Object.keys(INFO_CODES),
      ...Object.keys(WARNING_CODES),
    ]);
    expect(all.filter((c) => !registered.has(c))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
  });
});
