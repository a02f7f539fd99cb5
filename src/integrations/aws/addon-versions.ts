/** Choosing among the add-on versions EKS lists (DescribeAddonVersions). */
import type { AddonVersion } from './ports.js';

/** By number, part by part: v1.19.2-eksbuild.3 > v1.19.2-eksbuild.1 > v1.18.9. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The highest version by number. */
export function newest(versions: readonly AddonVersion[]): string | undefined {
  let best: string | undefined;
  for (const { version } of versions) {
    if (best === undefined || compareVersions(version, best) > 0) best = version;
  }
  return best;
}

/** EKS's default for the Kubernetes version, else the highest: what an upgrade moves an add-on to. */
export function preferred(versions: readonly AddonVersion[]): string | undefined {
  return versions.find((v) => v.isDefault)?.version ?? newest(versions);
}
