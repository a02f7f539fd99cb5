// Who is calling: verify the SigV4 signature against the known secrets and map each kind of
// failure to the error code the addressed service really answers with.

import { AwsError } from './errors.js';
import { type Caller, callerOf, type IdentityRegistry } from './identities.js';
import {
  parseAmzDate,
  parseSignature,
  type SignatureParts,
  type SignedRequest,
  signatureMatches,
} from './sigv4.js';
import type { ServiceName } from './types.js';

export type AuthProblem =
  | 'missing'
  | 'malformed'
  | 'unknownKey'
  | 'badToken'
  | 'badSignature'
  | 'badScope'
  | 'expired';

export class AuthFailure {
  constructor(
    readonly problem: AuthProblem,
    readonly message: string,
    /** The service named in the credential scope, when the signature could be read at all. */
    readonly scopedService?: string,
  ) {}
}

/** Clock skew AWS tolerates for header-signed requests. */
const MAX_SKEW_MS = 15 * 60_000;
/** STS honours presigned URLs for 15 minutes after X-Amz-Date whatever X-Amz-Expires says. */
const STS_PRESIGN_MS = 15 * 60_000;

export interface AuthOptions {
  region: string;
  now: number;
}

/** Regions a signature may be scoped to: IAM and STS also have global endpoints signed for us-east-1. */
function regionAllowed(service: string, scopeRegion: string, region: string): boolean {
  return scopeRegion === region || ((service === 'iam' || service === 'sts') && scopeRegion === 'us-east-1');
}

export function verify(
  req: SignedRequest,
  parts: SignatureParts,
  identities: IdentityRegistry,
  opts: AuthOptions,
): Caller | AuthFailure {
  const identity = identities.get(parts.accessKeyId);
  if (!identity)
    return new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
  if (identity.sessionToken !== undefined && parts.securityToken !== identity.sessionToken) {
    return new AuthFailure('badToken', 'The security token included in the request is invalid.');
  }
  if (!regionAllowed(parts.service, parts.region, opts.region)) {
    return new AuthFailure(
      'badScope',
      `Credential should be scoped to a valid region, not '${parts.region}'. Expected '${opts.region}'.`,
    );
  }
  const signedAt = parseAmzDate(parts.amzDate);
  if (Number.isNaN(signedAt) || !parts.amzDate.startsWith(parts.scopeDate)) {
    return new AuthFailure('malformed', `Invalid X-Amz-Date '${parts.amzDate}' for credential scope.`);
  }
  const names = parts.signedHeaders.map((h) => h.toLowerCase());
  if (!names.includes('host')) return new AuthFailure('malformed', "'Host' must be a signed header.");
  if (!signatureMatches(req, parts, identity.secretAccessKey)) {
    return new AuthFailure(
      'badSignature',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.',
    );
  }
  if (parts.presigned) {
    const validMs = parts.service === 'sts' ? STS_PRESIGN_MS : (parts.expiresSeconds ?? 0) * 1000;
    if (opts.now > signedAt + validMs) {
      return new AuthFailure('expired', `Signature expired: ${parts.amzDate} is now earlier than allowed.`);
    }
  } else if (Math.abs(opts.now - signedAt) > MAX_SKEW_MS) {
    return new AuthFailure(
      'expired',
      `Signature expired: ${parts.amzDate} is now earlier or later than allowed (15 min clock skew).`,
    );
  }
  return callerOf(identity);
}

export function authenticate(
  req: SignedRequest,
  identities: IdentityRegistry,
  opts: AuthOptions,
): { caller: Caller; service: string } | AuthFailure {
  const parts = parseSignature(req);
  if ('kind' in parts) {
    return parts.kind === 'unsigned'
      ? new AuthFailure('missing', 'Request is missing Authentication Token')
      : new AuthFailure('malformed', parts.message);
  }
  const result = verify(req, parts, identities, opts);
  if (result instanceof AuthFailure) return new AuthFailure(result.problem, result.message, parts.service);
  return { caller: result, service: parts.service };
}

/** S3's own answers (its REST API predates the other services' codes). */
function s3AuthError(f: AuthFailure, region: string): AwsError {
  switch (f.problem) {
    case 'missing':
      return new AwsError('AccessDenied', 'Access Denied', 403);
    case 'malformed':
      return new AwsError('AuthorizationHeaderMalformed', f.message, 400);
    case 'unknownKey':
      return new AwsError(
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        403,
      );
    case 'badToken':
      return new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
    case 'badScope':
      return new AwsError(
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region is wrong; expecting '${region}'`,
        400,
        { Region: region },
      );
    case 'badSignature':
      return new AwsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        403,
      );
    case 'expired':
      return f.message.includes('clock skew')
        ? new AwsError(
            'RequestTimeTooSkewed',
            'The difference between the request time and the current time is too large.',
            403,
          )
        : new AwsError('AccessDenied', 'Request has expired', 403);
  }
}

/** The error each service family returns for an authentication problem. */
export function authError(service: ServiceName, f: AuthFailure, region = ''): AwsError {
  if (service === 's3') return s3AuthError(f, region);
  const json = service === 'eks' || service === 'ecr';
  const ec2 = service === 'ec2';
  switch (f.problem) {
    case 'missing':
      return json
        ? new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403)
        : new AwsError('MissingAuthenticationToken', f.message, ec2 ? 401 : 403);
    case 'malformed':
      return json
        ? new AwsError('IncompleteSignatureException', f.message, 400)
        : new AwsError('IncompleteSignature', f.message, 400);
    case 'unknownKey':
    case 'badToken':
      if (json) return new AwsError('UnrecognizedClientException', f.message, 403);
      return ec2
        ? new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
        : new AwsError('InvalidClientTokenId', f.message, 403);
    case 'badSignature':
    case 'badScope':
      return json
        ? new AwsError('InvalidSignatureException', f.message, 403)
        : new AwsError('SignatureDoesNotMatch', f.message, 403);
    case 'expired':
      if (json) return new AwsError('InvalidSignatureException', f.message, 403);
      return ec2
        ? new AwsError('RequestExpired', f.message, 400)
        : new AwsError('SignatureDoesNotMatch', f.message, 403);
  }
}
