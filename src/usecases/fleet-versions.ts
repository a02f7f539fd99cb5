/** `status --all`: the fleet's profile versions side by side, from each cluster's document. */

export interface FleetVersion {
  profile: string;
  version: string;
  /** The names of the clusters on it. */
  clusters: string[];
}

/** Clusters grouped by the profile version they run, by profile then version. */
export function versionsOf(
  docs: readonly { cluster: { name: string }; profile?: { name: string; version: string } }[],
): FleetVersion[] {
  const groups = new Map<string, FleetVersion>();
  for (const d of docs) {
    if (d.profile === undefined) continue;
    const key = `${d.profile.name}@${d.profile.version}`;
    const group = groups.get(key) ?? { profile: d.profile.name, version: d.profile.version, clusters: [] };
    group.clusters.push(d.cluster.name);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.profile.localeCompare(b.profile) || a.version.localeCompare(b.version, undefined, { numeric: true }),
  );
}
