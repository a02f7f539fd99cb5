/**
 * EKS authentication tokens, as aws-iam-authenticator and `aws eks get-token` make them: a
 * SigV4-presigned STS GetCallerIdentity URL whose signed headers include `x-k8s-aws-id: <cluster>`,
 * valid 60 s (X-Amz-Expires), base64url-encoded without padding behind `k8s-aws-v1.`. The API
 * server's authenticator calls the URL to learn who signed it, and accepts tokens signed in the
 * last 15 minutes; kubectl gets an ExecCredential that expires after 14, so it asks again first.
 *
 * The token is a bearer credential: it is returned to the caller and never put in an event,
 * an error or a log.
 */
import type { AwsClients, AwsCredentials } from './clients.js';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** Seconds the presigned URL is valid, as the authenticator expects. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** The ExecCredential expires before the authenticator's 15-minute limit. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

export interface EksToken {
  token: string;
  signedAt: Date;
  expiresAt: Date;
}

export interface EksTokenOptions {
  cluster: string;
  region: string;
  credentials: AwsCredentials;
  /** STS endpoint URL; default: the regional endpoint (or AWS_ENDPOINT_URL[_STS]). */
  stsEndpoint?: string;
  /** The signing time (tests); default now. */
  now?: Date;
}

export interface ExecCredential {
  kind: 'ExecCredential';
  apiVersion: typeof EXEC_API_VERSION;
  spec: Record<string, never>;
  status: { expirationTimestamp: string; token: string };
}

/** Where GetCallerIdentity is presigned for: explicit > AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL > regional. */
export function stsEndpoint(region: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = explicit ?? env['AWS_ENDPOINT_URL_STS'] ?? env['AWS_ENDPOINT_URL'];
  if (configured) return configured;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sts.${region}.${suffix}`;
}

export async function createEksToken(options: EksTokenOptions): Promise<EksToken> {
  // Loaded on use, so importing this module (for its constants) stays cheap.
  const [{ Sha256 }, { HttpRequest }, { SignatureV4 }] = await Promise.all([
    import('@aws-crypto/sha256-js'),
    import('@smithy/protocol-http'),
    import('@smithy/signature-v4'),
  ]);
  const url = new URL(options.stsEndpoint ?? stsEndpoint(options.region));
  const signedAt = options.now ?? new Date();
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: url.host, [CLUSTER_ID_HEADER]: options.cluster },
  });
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'sts',
    sha256: Sha256,
    uriEscapePath: true,
  });
  // Headers that are not x-amz-* stay headers, so x-k8s-aws-id ends up in X-Amz-SignedHeaders.
  const signed = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: signedAt });
  const presignedUrl = `${url.protocol}//${url.host}${signed.path}?${queryString(signed.query ?? {})}`;
  return {
    token: TOKEN_PREFIX + Buffer.from(presignedUrl, 'utf8').toString('base64url'),
    signedAt,
    expiresAt: new Date(signedAt.getTime() + TOKEN_LIFETIME_MS),
  };
}

/** A token for a cluster with the clients' region, endpoint and credential chain. */
export async function eksTokenFor(aws: AwsClients, cluster: string, now?: Date): Promise<EksToken> {
  return createEksToken({
    cluster,
    region: aws.region,
    credentials: await aws.credentials(),
    stsEndpoint: stsEndpoint(aws.region, aws.endpoint),
    ...(now ? { now } : {}),
  });
}

/** What `gitops token` prints for kubectl's exec plugin. */
export function execCredential(token: EksToken): ExecCredential {
  return {
    kind: 'ExecCredential',
    apiVersion: EXEC_API_VERSION,
    spec: {},
    // RFC 3339 without fractions, as Go's metav1.Time writes it.
    status: {
      expirationTimestamp: token.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      token: token.token,
    },
  };
}

function queryString(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    const values = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(`${rfc3986(key)}=${rfc3986(v)}`);
  }
  return parts.join('&');
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
