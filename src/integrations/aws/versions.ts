/**
 * Which Kubernetes version a new (or converging) cluster runs, decided by what EKS offers now
 * (DescribeClusterVersions) rather than by a number frozen in gitops: no version asked means EKS's
 * default; a version EKS no longer offers is refused before anything changes, naming those it
 * does; one in extended support is allowed and said plainly, with its end date and cost.
 *
 * For a cluster that exists, the spec's version is a floor: a cluster at or above it keeps its
 * version (EKS upgrades clusters whose support ended by itself, and a re-run must not refuse
 * them), and that version is the one chosen and recorded; a higher version asked for is an
 * upgrade (./upgrade.ts) to a version EKS must offer.
 */
import { userError } from '../../primitives/errors.js';
import type { AwsClients } from './clients.js';
import type { ClusterVersion } from './ports.js';

export interface VersionChoice {
  version: string;
  /** Set when the version is in extended support: what to tell the user. */
  extendedSupport?: string;
  /** Set when an existing cluster runs above the version asked: it is kept. */
  kept?: string;
}

export async function chooseKubernetesVersion(
  aws: AwsClients,
  asked: string | undefined,
  running?: string,
): Promise<VersionChoice> {
  const all = await aws.eks.describeClusterVersions();
  if (running !== undefined && (asked === undefined || minor(asked) <= minor(running))) {
    const current = all.find((v) => v.version === running);
    return {
      version: running,
      ...(asked !== undefined && asked !== running
        ? {
            kept: `the cluster runs Kubernetes ${running}, above the ${asked} the spec asks for (EKS upgrades clusters by itself); ${running} is kept and recorded`,
          }
        : {}),
      ...(current?.status === 'EXTENDED_SUPPORT' ? { extendedSupport: extendedNote(current) } : {}),
    };
  }
  const offered = all.filter((v) => v.status !== 'UNSUPPORTED');
  const byNumber = [...offered].sort((a, b) => minor(b.version) - minor(a.version));
  const pick =
    asked === undefined
      ? (offered.find((v) => v.isDefault) ?? byNumber.find((v) => v.status === 'STANDARD_SUPPORT'))
      : offered.find((v) => v.version === asked);
  if (!pick) {
    const list = byNumber.map((v) => v.version).join(', ') || 'none';
    throw userError(
      'GITOPS_BAD_INPUT',
      asked === undefined
        ? `EKS in ${aws.region} names no default Kubernetes version (offered: ${list})`
        : `Kubernetes version ${asked} is not offered by EKS in ${aws.region}; it offers ${list}`,
      { hint: `set kubernetesVersion (or --kubernetes-version) to one of ${list}` },
    );
  }
  return pick.status === 'EXTENDED_SUPPORT'
    ? { version: pick.version, extendedSupport: extendedNote(pick) }
    : { version: pick.version };
}

function extendedNote(v: ClusterVersion): string {
  const end = v.endOfExtendedSupport ? ` until ${v.endOfExtendedSupport.toISOString().slice(0, 10)}` : '';
  return (
    `Kubernetes ${v.version} is in EKS extended support${end}: the control plane is billed at the ` +
    'extended-support rate, and EKS upgrades the cluster by itself when that support ends'
  );
}

function minor(version: string): number {
  return Number(version.split('.')[1] ?? 0);
}
