/**
 * What one profile of an include chain needs from AWS, as a digest per kind of need: node groups,
 * EKS add-ons, ECR repositories, and the Pod Identity roles of its components (with the texts of
 * the inline policies they name). `gitops upgrade` moves clusters through Git alone, so it may
 * only do that when these are the same for the version it leaves and the version it goes to;
 * anything else needs AWS changed, which is bootstrap's job. The digests are recorded in each
 * shared copy's source.yaml, so the version a cluster leaves can be judged even when its profile
 * can no longer be read (a bundled version a newer gitops no longer ships). S3 buckets count too;
 * their digest is recorded only for a profile that has buckets, so the records of versions without
 * any stay as they were written (a missing one means none).
 */
import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-yaml.js';
import type { ChainProfile } from './chain-profile.js';

export const AWS_NEED_KINDS = ['nodeGroups', 'addons', 'ecrRepositories', 'identities', 'buckets'] as const;
export type AwsNeedKind = (typeof AWS_NEED_KINDS)[number];
export type AwsNeeds = Record<Exclude<AwsNeedKind, 'buckets'>, string> & { buckets?: string };

const NO_BUCKETS = digest([]);

/** How each kind is named in messages. */
export const AWS_NEED_NAMES: Readonly<Record<AwsNeedKind, string>> = {
  nodeGroups: 'node groups',
  addons: 'EKS add-ons',
  ecrRepositories: 'ECR repositories',
  identities: 'workload identities and their IAM policies',
  buckets: 'S3 buckets',
};

export function awsNeedsOf(p: Pick<ChainProfile, 'profile' | 'policies'>): AwsNeeds {
  const { profile } = p;
  const policies = Object.fromEntries(
    profile.identities.flatMap((i) => i.inlinePolicies).map((f) => [f, p.policies[f] ?? '']),
  );
  return {
    nodeGroups: digest(profile.nodeGroups),
    addons: digest(profile.addons),
    ecrRepositories: digest(profile.ecrRepositories),
    identities: digest({ identities: profile.identities, policies }),
    ...((profile.buckets ?? []).length > 0 ? { buckets: digest(profile.buckets) } : {}),
  };
}

/** The needs recorded in a source.yaml, or undefined when it records none (an earlier gitops). */
export function recordedNeeds(value: unknown): AwsNeeds | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const out: Partial<AwsNeeds> = {};
  for (const kind of AWS_NEED_KINDS) {
    const v = record[kind];
    if (kind === 'buckets' && v === undefined) continue;
    if (typeof v !== 'string') return undefined;
    out[kind] = v;
  }
  return out as AwsNeeds;
}

/**
 * The kinds of need that differ between two chains (profile name -> needs). A profile in one chain
 * and not the other counts with what it needs (none when it needs nothing).
 */
export function changedNeeds(
  from: ReadonlyMap<string, AwsNeeds>,
  to: ReadonlyMap<string, AwsNeeds>,
): AwsNeedKind[] {
  const none: AwsNeeds = {
    nodeGroups: digest([]),
    addons: digest([]),
    ecrRepositories: digest([]),
    identities: digest({ identities: [], policies: {} }),
  };
  const names = new Set([...from.keys(), ...to.keys()]);
  const of = (needs: AwsNeeds, kind: AwsNeedKind) => needs[kind] ?? NO_BUCKETS;
  return AWS_NEED_KINDS.filter((kind) =>
    [...names].some((n) => of(from.get(n) ?? none, kind) !== of(to.get(n) ?? none, kind)),
  );
}

function digest(value: unknown): string {
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonicalize(value)))
    .digest('hex')}`;
}
