/**
 * SigV4 query-string signing of one GET request without a body, which is all an EKS token is (a
 * presigned STS GetCallerIdentity URL). It follows AWS's "Create a signed AWS API request"
 * (canonical request, string to sign, derived signing key) the way the SDK's SignatureV4.presign
 * does it for a non-S3 service; written out here because kubectl runs `gitops token` before every
 * command and the SDK's signer brings most of @smithy/core (and its stream and file imports) with
 * it, while this needs only Node's own SHA-256 and HMAC. test/unit/eks-token-bytes.test.ts pins
 * the result to the signatures botocore computes for the same input.
 */
import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** SHA-256 of the empty body. */
const EMPTY_PAYLOAD_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface PresignCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface PresignRequest {
  /** Unescaped, as in a URL's pathname; `/` for the service root. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; `host` among them. All are signed. */
  headers: Record<string, string>;
  region: string;
  service: string;
  credentials: PresignCredentials;
  signingDate: Date;
  expiresInSeconds: number;
}

/** The request's query with the X-Amz-* parameters added, X-Amz-Signature last computed. */
export function presignGet(req: PresignRequest): Record<string, string> {
  const longDate = req.signingDate
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${req.region}/${req.service}/aws4_request`;
  const headerNames = Object.keys(req.headers).sort();
  const query: Record<string, string> = { ...req.query };
  if (req.credentials.sessionToken) query['X-Amz-Security-Token'] = req.credentials.sessionToken;
  query['X-Amz-Algorithm'] = SIGV4_ALGORITHM;
  query['X-Amz-Credential'] = `${req.credentials.accessKeyId}/${scope}`;
  query['X-Amz-Date'] = longDate;
  query['X-Amz-Expires'] = String(req.expiresInSeconds);
  query['X-Amz-SignedHeaders'] = headerNames.join(';');

  const canonicalRequest = [
    'GET',
    canonicalPath(req.path),
    Object.keys(query)
      .map((k) => [escapeUri(k), escapeUri(query[k]!)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&'),
    // Values trimmed, inner runs of spaces folded to one, as SigV4 canonicalises them.
    ...headerNames.map((h) => `${h}:${req.headers[h]!.trim().replace(/\s+/g, ' ')}`),
    '',
    headerNames.join(';'),
    EMPTY_PAYLOAD_HASH,
  ].join('\n');
  const stringToSign = [
    SIGV4_ALGORITHM,
    longDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${req.credentials.secretAccessKey}`, shortDate);
  for (const part of [req.region, req.service, 'aws4_request']) key = hmac(key, part);
  query['X-Amz-Signature'] = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return query;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * Services other than S3 sign the path with `.` and `..` segments resolved and every segment
 * escaped once more (a `%` in the path becomes `%25`), the slashes kept.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const lead = path.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return escapeUri(`${lead}${segments.join('/')}${trail}`).replace(/%2F/g, '/');
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (upper-case hex). */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
