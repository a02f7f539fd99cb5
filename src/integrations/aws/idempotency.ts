/**
 * Idempotency tokens for AWS create calls (EKS `clientRequestToken`, EC2 `ClientToken`).
 * They are derived, not random, so that two runs creating the same thing at the same time (two
 * CI jobs) send the same token and AWS creates it once. Each token includes the identity of the
 * resource's parent generation (the VPC id, the cluster's creation time), so a re-create after
 * a teardown does not collide with the token of the deleted resource.
 */
import { createHash } from 'node:crypto';

export function idempotencyToken(...parts: readonly (string | number | undefined)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p ?? ''}\u0000`);
  // 64 characters is the longest EC2 accepts; EKS accepts any length. 32 hex is plenty.
  return `gitops-${h.digest('hex').slice(0, 32)}`;
}
