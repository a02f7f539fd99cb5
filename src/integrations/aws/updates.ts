/**
 * Waiting for an EKS update (UpdateClusterVersion, UpdateNodegroupVersion, UpdateClusterConfig) by
 * its id. DescribeUpdate says how it ended, with AWS's error details; the resource's own status is
 * only "eventually consistent" with it (the EKS API reference), so the caller then also waits for
 * the resource to be ACTIVE.
 */
import { systemError } from '../../primitives/errors.js';
import type { AwsClients } from './clients.js';
import type { EksUpdate } from './ports.js';
import { type WaitContext, waitFor } from './waiter.js';

export interface UpdateRef {
  cluster: string;
  id: string;
  nodegroup?: string;
  /** "the control plane's upgrade to 1.34": names the update in progress lines and errors. */
  what: string;
}

export async function waitForUpdate(ctx: WaitContext, aws: AwsClients, ref: UpdateRef): Promise<EksUpdate> {
  const update = await waitFor(
    ctx,
    {
      what: ref.what,
      poll: () => aws.eks.describeUpdate(ref.cluster, ref.id, ref.nodegroup),
      state: (u) => u?.status ?? 'unknown',
      done: (u) => u?.status === 'Successful',
      failure: (u) =>
        u && (u.status === 'Failed' || u.status === 'Cancelled')
          ? `${u.status}: ${u.errors.join('; ') || 'AWS gave no reason'}`
          : undefined,
    },
    { scale: aws.timeScale },
  );
  if (!update) throw systemError('GITOPS_AWS', `${ref.what}: EKS no longer knows update ${ref.id}`);
  return update;
}

/** Kubernetes minor versions as numbers, for comparing "1.9" with "1.10" correctly. */
export function minorOf(version: string): number {
  return Number(version.split('.')[1] ?? 0);
}

/** The versions between two minors, exclusive of `from`: 1.32 -> 1.34 is [1.33, 1.34]. */
export function stepsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = minorOf(from) + 1; m <= minorOf(to); m++) out.push(`1.${m}`);
  return out;
}
