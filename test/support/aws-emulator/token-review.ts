// The kube-apiserver's authentication webhook: checks an EKS bearer token the way
// aws-iam-authenticator does, then maps the AWS caller to a Kubernetes user through the
// cluster's access entries.
//
// Token: "k8s-aws-v1." + base64url (no padding) of a presigned STS GetCallerIdentity URL whose
// signed headers include x-k8s-aws-id. aws-iam-authenticator verifies the signature by calling
// STS with x-k8s-aws-id set to *its* cluster name; the emulator is STS, so it checks the signature
// itself with that header value. A webhook URL naming a cluster checks that one; the bare URL
// accepts a token signed for any existing cluster (one apiserver stands in for every cluster).

import { type AuthFailure, verify } from './auth.js';
import type { EmulatorContext } from './context.js';
import { type KubeUser, kubeUserFor } from './eks-access.js';
import type { Caller } from './identities.js';
import { parseAmzDate, parseSignature, type SignedRequest } from './sigv4.js';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const MAX_TOKEN_BYTES = 4096;
const TOKEN_LIFETIME_MS = 15 * 60_000;
const ALLOWED_PARAMS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

export type ReviewResult =
  | { ok: true; cluster: string; caller: Caller; user: KubeUser }
  | { ok: false; reason: string };

const reject = (reason: string): ReviewResult => ({ ok: false, reason });

/** Real STS hostnames, and the emulator itself (which is where tests point STS). */
function hostAllowed(ctx: EmulatorContext, host: string): boolean {
  const port = new URL(ctx.url).port;
  if (host === `127.0.0.1:${port}` || host === `localhost:${port}`) return true;
  return /^sts(\.[a-z0-9-]+)?\.amazonaws\.com$/.test(host);
}

function decodePresignedUrl(token: string): string | undefined {
  const body = token.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  return Buffer.from(body, 'base64url').toString('utf8');
}

export function reviewToken(ctx: EmulatorContext, token: string, clusterName?: string): ReviewResult {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return reject('token is too large');
  if (!token.startsWith(TOKEN_PREFIX)) return reject(`token is missing expected "${TOKEN_PREFIX}" prefix`);
  const presigned = decodePresignedUrl(token);
  if (presigned === undefined) return reject('token is not valid unpadded base64url');
  let url: URL;
  try {
    url = new URL(presigned);
  } catch {
    return reject('token does not hold a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return reject(`unexpected scheme ${url.protocol}`);
  if (!hostAllowed(ctx, url.host)) return reject(`unexpected hostname "${url.host}" in pre-signed URL`);
  if (url.pathname !== '/') return reject('unexpected path in pre-signed URL');
  const rawQuery = presigned.includes('?') ? (presigned.split('?')[1] ?? '').split('#')[0]! : '';
  const lower = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const key = k.toLowerCase();
    if (!ALLOWED_PARAMS.has(key)) return reject(`non-whitelisted query parameter "${k}"`);
    if (lower.has(key)) return reject('query parameter with multiple values not supported');
    lower.set(key, v);
  }
  if (lower.get('action') !== 'GetCallerIdentity')
    return reject('unexpected action parameter in pre-signed URL');
  const signed = (lower.get('x-amz-signedheaders') ?? '').split(';').map((h) => h.toLowerCase());
  if (!signed.includes('x-k8s-aws-id'))
    return reject('client did not sign the x-k8s-aws-id header in the pre-signed URL');
  const expires = Number(lower.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) {
    return reject(`invalid X-Amz-Expires parameter in pre-signed URL: ${lower.get('x-amz-expires')}`);
  }
  const signedAt = parseAmzDate(lower.get('x-amz-date') ?? '');
  if (Number.isNaN(signedAt))
    return reject('X-Amz-Date parameter must be present and valid in pre-signed URL');
  // Tokens are signed in real time, so they expire in real time (even while the clock is paused).
  const now = Date.now();
  if (now > signedAt + TOKEN_LIFETIME_MS)
    return reject('X-Amz-Date parameter is expired (15 minute expiration)');
  if (signedAt > now + TOKEN_LIFETIME_MS) return reject('X-Amz-Date parameter is in the future');

  ctx.eks.sweep();
  const candidates = clusterName !== undefined ? [clusterName] : [...ctx.eks.clusters.keys()];
  let lastFailure: AuthFailure | undefined;
  for (const name of candidates) {
    const req: SignedRequest = {
      method: 'GET',
      rawPath: url.pathname,
      rawQuery,
      headers: { host: url.host, 'x-k8s-aws-id': name },
      body: Buffer.alloc(0),
    };
    const parts = parseSignature(req);
    if ('kind' in parts) return reject('malformed pre-signed URL');
    if (parts.service !== 'sts') return reject(`credential scope names service ${parts.service}, not sts`);
    const result = verify(req, parts, ctx.identities, { region: ctx.region, now });
    if ('problem' in result) {
      lastFailure = result;
      if (result.problem !== 'badSignature') break;
      continue;
    }
    const cluster = ctx.eks.clusters.get(name);
    if (!cluster) return reject(`cluster ${name} does not exist`);
    const user = kubeUserFor(cluster, result);
    if (!user)
      return reject(`ARN ${result.canonicalArn} is not mapped to any access entry of cluster ${name}`);
    return { ok: true, cluster: name, caller: result, user };
  }
  if (!lastFailure) return reject('no cluster exists for this token');
  if (lastFailure.problem === 'badSignature')
    return reject('signature does not match for this cluster (wrong x-k8s-aws-id or tampered token)');
  return reject(`sts getCallerIdentity failed: ${lastFailure.problem}: ${lastFailure.message}`);
}

interface TokenReviewBody {
  apiVersion?: unknown;
  spec?: { token?: unknown };
}

/** A TokenReview answer in the API version the apiserver asked with. */
export function tokenReviewResponse(
  ctx: EmulatorContext,
  body: unknown,
  clusterName?: string,
): Record<string, unknown> {
  const req = (typeof body === 'object' && body !== null ? body : {}) as TokenReviewBody;
  const apiVersion =
    req.apiVersion === 'authentication.k8s.io/v1'
      ? 'authentication.k8s.io/v1'
      : 'authentication.k8s.io/v1beta1';
  const token = typeof req.spec?.token === 'string' ? req.spec.token : '';
  const result = reviewToken(ctx, token, clusterName);
  if (!result.ok) {
    return { apiVersion, kind: 'TokenReview', status: { authenticated: false, error: result.reason } };
  }
  const c = result.caller;
  return {
    apiVersion,
    kind: 'TokenReview',
    status: {
      authenticated: true,
      user: {
        username: result.user.username,
        uid: result.user.uid,
        groups: result.user.groups,
        extra: {
          arn: [c.arn],
          canonicalArn: [c.canonicalArn],
          sessionName: [c.sessionName ?? ''],
          accessKeyId: [c.accessKeyId],
          principalId: [c.userId.split(':')[0] ?? ''],
        },
      },
    },
  };
}
