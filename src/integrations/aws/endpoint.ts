/**
 * The cluster API endpoint's access, from the spec's `access.publicCidrs` and
 * `access.privateEndpoint`: set on create, compared on every run, converged with
 * UpdateClusterConfig (EKS takes endpoint changes on a running cluster). EKS refuses an update
 * that changes nothing ("Cluster is already at the desired configuration ...", eksctl-io/eksctl#4043),
 * so the comparison decides whether to call at all.
 */
import { randomUUID } from 'node:crypto';
import type { StepContext } from '../../primitives/plan.js';
import type { ClusterSpec } from '../../spec/schema.js';
import type { AwsClients } from './clients.js';
import { idempotencyToken } from './idempotency.js';
import type { EksCluster, EndpointAccess } from './ports.js';
import { waitForUpdate } from './updates.js';

export const ANYWHERE = '0.0.0.0/0';

export function wantedAccess(spec: Pick<ClusterSpec, 'access'>): EndpointAccess {
  return {
    publicAccess: spec.access.publicCidrs.length > 0,
    privateAccess: spec.access.privateEndpoint,
    publicCidrs: [...spec.access.publicCidrs].sort(),
  };
}

/** "public (0.0.0.0/0) and private", "private only". */
export function describeAccess(a: EndpointAccess): string {
  const pub = a.publicAccess ? `public (${a.publicCidrs.join(', ') || ANYWHERE})` : '';
  if (pub && a.privateAccess) return `${pub} and private`;
  return pub || (a.privateAccess ? 'private only' : 'none');
}

/** The change a cluster needs, or undefined when its endpoint access is what the spec asks. */
export function accessChange(want: EndpointAccess, cluster: EksCluster): string | undefined {
  const have = cluster.endpointAccess;
  if (!have) return undefined;
  const cidrs = (a: EndpointAccess) => (a.publicAccess ? [...a.publicCidrs].sort().join(',') : '');
  const same =
    have.publicAccess === want.publicAccess &&
    have.privateAccess === want.privateAccess &&
    cidrs(have) === cidrs(want);
  return same ? undefined : `endpoint access ${describeAccess(have)} -> ${describeAccess(want)}`;
}

/** Applies the spec's endpoint access to an ACTIVE cluster and waits until EKS has. */
export async function convergeAccess(
  ctx: StepContext,
  aws: AwsClients,
  cluster: EksCluster,
  want: EndpointAccess,
): Promise<void> {
  // A token for this call only: the SDK's own retries of it reuse it (EKS answers them with the
  // same update), but the same change wanted again later (someone undid it) must be a new request,
  // which EKS would otherwise answer with the old update, applying nothing. No run ever needs to
  // retry an earlier run's update: the step waits for the cluster to be ACTIVE before comparing.
  const token = idempotencyToken('endpoint-access', cluster.arn, JSON.stringify(want), randomUUID());
  const id = await aws.eks.updateEndpointAccess(cluster.name, want, token);
  await waitForUpdate(ctx, aws, { cluster: cluster.name, id, what: `endpoint access of ${cluster.name}` });
}

/** Open to every address: what status warns about. */
export function openToInternet(a: EndpointAccess | undefined): boolean {
  return a?.publicAccess === true && (a.publicCidrs.length === 0 || a.publicCidrs.includes(ANYWHERE));
}
