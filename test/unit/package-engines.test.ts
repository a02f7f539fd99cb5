/**
 * The engines field says the real minimum: every Node version it admits is one every installed
 * package (the dev tools too: vitest, vite, rolldown, dependency-cruiser) admits, so an older
 * Node gets npm's engine mismatch for gitops itself instead of a surprise inside a tool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};

type Version = [number, number, number];

const parse = (v: string): Version => {
  const parts = v.replace(/^v/, '').split('.');
  return [0, 1, 2].map((i) => Number(parts[i] ?? 0)) as Version;
};
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Whether a Node version satisfies an engines range, for the forms the lock file holds: `a || b`
 * alternatives of `>=x`, `^x`, `x.x` (a partial version fills with zeros). Any other form throws,
 * so a new one cannot pass unread.
 */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const m = /^\s*(>=|\^)?\s*(\d+(?:\.\d+){0,2})(\.x)?\s*$/.exec(alternative);
    if (m === null) throw new Error(`engines range form not understood: "${range}"`);
    const floor = parse(m[2]!);
    if (m[1] === '>=') return compare(v, floor) >= 0;
    if (m[1] === '^' || m[3] === '.x') return v[0] === floor[0] && compare(v, floor) >= 0;
    return compare(v, floor) === 0;
  });
}

/** Every x.y.0 from Node 18 to 30: enough to find any range's lower edge by minor version. */
const candidates = Array.from({ length: 13 }, (_, i) => 18 + i).flatMap((major) =>
  Array.from({ length: 30 }, (_, minor) => `${major}.${minor}.0`),
);

describe('package.json engines', () => {
  it('admits only Node versions every non-optional package in the lock file admits', () => {
    const ours = manifest.engines.node;
    const conflicts: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      const theirs = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
      if (path === '' || pkg.optional || theirs === undefined) continue;
      const refused = candidates.filter((v) => satisfies(v, ours) && !satisfies(v, theirs));
      if (refused.length > 0) conflicts.push(`${path} (${theirs}) refuses ${refused[0]}`);
    }
    expect(conflicts).toEqual([]);
  });

  it('still admits the Node this suite runs on', () => {
    expect(satisfies(process.version, manifest.engines.node)).toBe(true);
  });
});
