/** Choosing among the add-on versions EKS lists (DescribeAddonVersions). */
import type { AddonVersion } from './ports.js';

/** The highest version by number (v1.19.2-eksbuild.3 > v1.19.2-eksbuild.1 > v1.18.9). */
export function newest(versions: readonly AddonVersion[]): string | undefined {
  const parse = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  let best: string | undefined;
  for (const { version } of versions) {
    if (best === undefined) {
      best = version;
      continue;
    }
    const a = parse(version);
    const b = parse(best);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) {
        if (d > 0) best = version;
        break;
      }
    }
  }
  return best;
}

/** EKS's default for the Kubernetes version, else the highest: what an upgrade moves an add-on to. */
export function preferred(versions: readonly AddonVersion[]): string | undefined {
  return versions.find((v) => v.isDefault)?.version ?? newest(versions);
}
