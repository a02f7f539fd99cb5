// The emulated region's availability zones, and the one zone EKS will not place a control plane
// in. us-east-1 has six zones and EKS refuses us-east-1e, as it does in reality (its error names
// the zones to retry with). Elsewhere the emulator has four zones and refuses the last one for EKS
// too: an emulator choice, so that the rule can be met in any region the tests use.

export interface Zone {
  name: string;
  id: string;
}

/** us-west-2 -> usw2, eu-central-1 -> euc1 (the zone-id prefix AWS uses). */
function regionShort(region: string): string {
  const [geo = '', dir = '', num = ''] = region.split('-');
  const d = dir
    .replace('north', 'n')
    .replace('south', 's')
    .replace('east', 'e')
    .replace('west', 'w')
    .replace('central', 'c');
  return `${geo}${d}${num}`;
}

export function availabilityZones(region: string): Zone[] {
  const letters = region === 'us-east-1' ? ['a', 'b', 'c', 'd', 'e', 'f'] : ['a', 'b', 'c', 'd'];
  return letters.map((l, i) => ({ name: `${region}${l}`, id: `${regionShort(region)}-az${i + 1}` }));
}

/** Zones where CreateCluster answers UnsupportedAvailabilityZoneException. */
export function eksUnsupportedZones(region: string): string[] {
  return [region === 'us-east-1' ? 'us-east-1e' : `${region}d`];
}
