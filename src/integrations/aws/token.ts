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
import { escapeUri, presignGet } from './sigv4-presign.js';

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
  /** STS endpoint URL (see stsEndpoint); default: the regional endpoint, whatever the environment. */
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

/**
 * Where GetCallerIdentity is presigned for: explicit > AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL >
 * regional, from the environment the run was given (never process.env).
 */
export function stsEndpoint(region: string, explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const configured = explicit ?? env['AWS_ENDPOINT_URL_STS'] ?? env['AWS_ENDPOINT_URL'];
  if (configured) return configured;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sts.${region}.${suffix}`;
}

export async function createEksToken(options: EksTokenOptions): Promise<EksToken> {
  const url = new URL(options.stsEndpoint ?? stsEndpoint(options.region, undefined, {}));
  const signedAt = options.now ?? new Date();
  const path = url.pathname || '/';
  // x-k8s-aws-id stays a header (only x-amz-* ones would move to the query), so it is signed and
  // listed in X-Amz-SignedHeaders: the authenticator recomputes the signature with its own
  // cluster name there, so a token is good for one cluster only.
  const query = presignGet({
    path,
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: url.host, [CLUSTER_ID_HEADER]: options.cluster },
    region: options.region,
    service: 'sts',
    credentials: options.credentials,
    signingDate: signedAt,
    expiresInSeconds: PRESIGN_EXPIRES_SECONDS,
  });
  const presignedUrl = `${url.protocol}//${url.host}${path}?${queryString(query)}`;
  return {
    token: TOKEN_PREFIX + Buffer.from(presignedUrl, 'utf8').toString('base64url'),
    signedAt,
    expiresAt: new Date(signedAt.getTime() + TOKEN_LIFETIME_MS),
  };
}

/**
 * What signing a token takes from the AWS clients: no SDK client, so `gitops token` can pass just
 * these three without building the others.
 */
export type TokenSigning = Pick<AwsClients, 'region' | 'endpoint' | 'credentials'>;

/**
 * A token for a cluster with the clients' region, endpoint and credential chain; `env` is the
 * run's environment, for AWS_ENDPOINT_URL_STS.
 */
export async function eksTokenFor(
  aws: TokenSigning,
  cluster: string,
  env: NodeJS.ProcessEnv,
  now?: Date,
): Promise<EksToken> {
  return createEksToken({
    cluster,
    region: aws.region,
    credentials: await aws.credentials(),
    stsEndpoint: stsEndpoint(aws.region, aws.endpoint, env),
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

/** Every parameter sorted by name, as aws-iam-authenticator's Go SDK writes a presigned URL. */
function queryString(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${escapeUri(key)}=${escapeUri(query[key]!)}`)
    .join('&');
}
