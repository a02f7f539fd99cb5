/**
 * AWS failures as GitopsErrors. Adapters wrap every SDK call so the steps see one error type
 * that still knows AWS's own error name (for decisions such as "retry DependencyViolation") and
 * keeps the SDK error as `cause`. Messages carry AWS's text, which never holds credentials.
 */
import {
  GitopsError,
  type GitopsErrorOptions,
  isAbortError,
  isGitopsError,
} from '../../primitives/errors.js';

export class AwsError extends GitopsError {
  /** AWS's error name, e.g. `DependencyViolation`, `ResourceNotFoundException`. */
  readonly awsCode: string;
  readonly httpStatus: number | undefined;

  constructor(awsCode: string, httpStatus: number | undefined, message: string, options: GitopsErrorOptions) {
    const userCaused = USER_FAULTS.has(awsCode);
    super('GITOPS_AWS', userCaused ? 'user' : 'system', message, options);
    this.name = 'AwsError';
    this.awsCode = awsCode;
    this.httpStatus = httpStatus;
  }
}

/**
 * CreateCluster's UnsupportedAvailabilityZoneException: EKS cannot place a control plane in one of
 * the subnets' zones now, and names the zones it can (its `validZones` member).
 */
export class ZonesRefusedError extends AwsError {
  constructor(
    readonly validZones: readonly string[],
    cause: AwsError,
  ) {
    super(cause.awsCode, cause.httpStatus, cause.message, { cause });
    this.name = 'ZonesRefusedError';
  }
}

/** Errors that mean the caller's setup is wrong rather than AWS misbehaving. */
const USER_FAULTS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
]);

const DENIED = 'the AWS identity lacks the permission this call needs; grant it and run again';

const HINTS: Record<string, string> = {
  AccessDenied: DENIED,
  AccessDeniedException: DENIED,
  UnauthorizedOperation: DENIED,
  CredentialsProviderError: 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  UnrecognizedClientException: 'the access key is not known to AWS; check AWS_PROFILE or the keys',
  InvalidClientTokenId: 'the access key is not known to AWS; check AWS_PROFILE or the keys',
  ExpiredToken: 'the session credentials expired; refresh them (aws sso login) and run again',
  ExpiredTokenException: 'the session credentials expired; refresh them (aws sso login) and run again',
};

/** Wraps what an SDK call threw; abort errors and our own errors pass through unchanged. */
export function toAwsError(service: string, operation: string, e: unknown): unknown {
  if (isGitopsError(e) || isAbortError(e)) return e;
  const code = errorName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const text = e instanceof Error && e.message ? e.message : 'no message';
  const hint = HINTS[code];
  return new AwsError(code, status, `${service} ${operation} failed: ${code}: ${text}`, {
    cause: e,
    ...(hint === undefined ? {} : { hint }),
  });
}

export function errorName(e: unknown): string {
  if (e instanceof AwsError) return e.awsCode;
  if (e && typeof e === 'object') {
    const o = e as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [o.Code, o.name, o.code]) if (typeof v === 'string' && v !== 'Error') return v;
  }
  return 'UnknownError';
}

export function hasAwsCode(e: unknown, ...codes: string[]): boolean {
  const name = errorName(e);
  return codes.some((c) => name === c || (c.endsWith('*') && name.startsWith(c.slice(0, -1))));
}

/** Not-found errors across the services we use, so describes can return `undefined`. */
export function isNotFound(e: unknown): boolean {
  return hasAwsCode(
    e,
    'ResourceNotFoundException',
    'NoSuchEntity',
    'NoSuchEntityException',
    'RepositoryNotFoundException',
    'LifecyclePolicyNotFoundException',
    'InvalidVpcID.NotFound',
    'InvalidSubnetID.NotFound',
    'InvalidInternetGatewayID.NotFound',
    'InvalidRouteTableID.NotFound',
    'InvalidAssociationID.NotFound',
    'InvalidAllocationID.NotFound',
    'NatGatewayNotFound',
    'InvalidNatGatewayID.NotFound',
    'NoSuchBucket',
  );
}

/** Awaits a delete; "already gone" counts as done (a second teardown, a concurrent one). */
export async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Keeps the zones EKS names when it refuses one, for the caller to retry with. */
export async function zonesNamed<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const zones = (e as { validZones?: unknown }).validZones;
    const wrapped = toAwsError('EKS', 'CreateCluster', e);
    if (Array.isArray(zones) && wrapped instanceof AwsError)
      throw new ZonesRefusedError(zones.map(String), wrapped);
    throw wrapped;
  }
}
