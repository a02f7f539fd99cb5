// The Kubernetes versions EKS offers, with their support calendar. A version is under standard
// support for 14 months after its release, then under extended support for 12 more; a cluster
// still on it when extended support ends is upgraded by EKS to the next minor version (AWS's
// "Understand the Kubernetes version lifecycle on EKS"). Dates are AWS's published calendar as of
// December 2026; tests replace the table (option `eksVersions`) to move a version past its end.

export interface EksVersionInfo {
  version: string;
  /** ISO dates (UTC midnight), or full ISO timestamps. */
  releaseDate: string;
  endOfStandardSupport: string;
  endOfExtendedSupport: string;
  /** The upstream patch release EKS runs, e.g. 1.33.5. */
  kubernetesPatchVersion: string;
  defaultPlatformVersion: string;
  /** The version CreateCluster uses when none is given; exactly one row has it. */
  default?: boolean;
}

export const EKS_VERSIONS: EksVersionInfo[] = [
  {
    version: '1.28',
    releaseDate: '2023-09-26',
    endOfStandardSupport: '2024-11-26',
    endOfExtendedSupport: '2025-11-26',
    kubernetesPatchVersion: '1.28.15',
    defaultPlatformVersion: 'eks.45',
  },
  {
    version: '1.29',
    releaseDate: '2024-01-23',
    endOfStandardSupport: '2025-03-23',
    endOfExtendedSupport: '2026-03-23',
    kubernetesPatchVersion: '1.29.15',
    defaultPlatformVersion: 'eks.40',
  },
  {
    version: '1.30',
    releaseDate: '2024-05-23',
    endOfStandardSupport: '2025-07-23',
    endOfExtendedSupport: '2026-07-23',
    kubernetesPatchVersion: '1.30.14',
    defaultPlatformVersion: 'eks.36',
  },
  {
    version: '1.31',
    releaseDate: '2024-09-26',
    endOfStandardSupport: '2025-11-26',
    endOfExtendedSupport: '2026-11-26',
    kubernetesPatchVersion: '1.31.13',
    defaultPlatformVersion: 'eks.32',
  },
  {
    version: '1.32',
    releaseDate: '2025-01-23',
    endOfStandardSupport: '2026-03-23',
    endOfExtendedSupport: '2027-03-23',
    kubernetesPatchVersion: '1.32.9',
    defaultPlatformVersion: 'eks.26',
  },
  {
    version: '1.33',
    releaseDate: '2025-05-29',
    endOfStandardSupport: '2026-07-29',
    endOfExtendedSupport: '2027-07-29',
    kubernetesPatchVersion: '1.33.5',
    defaultPlatformVersion: 'eks.19',
  },
  {
    version: '1.34',
    releaseDate: '2025-10-02',
    endOfStandardSupport: '2026-12-02',
    endOfExtendedSupport: '2027-12-02',
    kubernetesPatchVersion: '1.34.2',
    defaultPlatformVersion: 'eks.11',
    default: true,
  },
  {
    version: '1.35',
    releaseDate: '2026-01-27',
    endOfStandardSupport: '2027-03-27',
    endOfExtendedSupport: '2028-03-27',
    kubernetesPatchVersion: '1.35.1',
    defaultPlatformVersion: 'eks.5',
  },
];

export type VersionStatus = 'STANDARD_SUPPORT' | 'EXTENDED_SUPPORT' | 'UNSUPPORTED';

/** A date (UTC midnight) or, for tests that need an instant, a full ISO timestamp. */
const at = (date: string) => Date.parse(date.includes('T') ? date : `${date}T00:00:00Z`);
const minor = (v: string) => Number(v.split('.')[1]);

/** The version table in force, with the questions the EKS operations ask of it. */
export class EksVersionTable {
  readonly rows: EksVersionInfo[];

  constructor(rows: EksVersionInfo[] = EKS_VERSIONS) {
    if (rows.length === 0) throw new Error('eksVersions: the table is empty');
    this.rows = [...rows].sort((a, b) => minor(a.version) - minor(b.version));
  }

  find(version: string): EksVersionInfo | undefined {
    return this.rows.find((r) => r.version === version);
  }

  status(row: EksVersionInfo, now: number): VersionStatus {
    if (now < at(row.endOfStandardSupport)) return 'STANDARD_SUPPORT';
    if (now < at(row.endOfExtendedSupport)) return 'EXTENDED_SUPPORT';
    return 'UNSUPPORTED';
  }

  /** Released and not past extended support: what CreateCluster accepts. */
  offered(now: number): EksVersionInfo[] {
    return this.rows.filter((r) => at(r.releaseDate) <= now && this.status(r, now) !== 'UNSUPPORTED');
  }

  isOffered(version: string, now: number): boolean {
    return this.offered(now).some((r) => r.version === version);
  }

  /** The marked default if offered, else the newest offered version. */
  defaultVersion(now: number): string {
    const offered = this.offered(now);
    const marked = offered.find((r) => r.default);
    const chosen = marked ?? offered[offered.length - 1];
    if (!chosen) throw new Error('eksVersions: no version is offered today');
    return chosen.version;
  }

  /** The next minor version in the table, for upgrades (one minor at a time). */
  next(version: string): EksVersionInfo | undefined {
    return this.rows.find((r) => minor(r.version) === minor(version) + 1);
  }

  /** When EKS upgrades a cluster on this version by itself (end of the support it is under). */
  forcedUpgradeAt(version: string, supportType: 'STANDARD' | 'EXTENDED'): number | undefined {
    const row = this.find(version);
    if (!row) return undefined;
    return at(supportType === 'STANDARD' ? row.endOfStandardSupport : row.endOfExtendedSupport);
  }

  /** DescribeClusterVersions' item for a row. */
  view(row: EksVersionInfo, now: number, defaultVersion: string): Record<string, unknown> {
    const versionStatus = this.status(row, now);
    return {
      clusterVersion: row.version,
      clusterType: 'eks',
      defaultPlatformVersion: row.defaultPlatformVersion,
      defaultVersion: row.version === defaultVersion,
      releaseDate: at(row.releaseDate) / 1000,
      endOfStandardSupportDate: at(row.endOfStandardSupport) / 1000,
      endOfExtendedSupportDate: at(row.endOfExtendedSupport) / 1000,
      status: versionStatus.toLowerCase().replace('_', '-'),
      versionStatus,
      kubernetesPatchVersion: row.kubernetesPatchVersion,
    };
  }
}
