// AWS Signature Version 4, computed independently of the SDK so that the emulator really checks
// what clients send: the canonical request, string to sign and signing key as AWS documents
// them. Both forms are read: the Authorization header and a presigned URL (X-Amz-* query).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SignedRequest {
  method: string;
  /** Path exactly as sent on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** Query string exactly as sent, without '?'. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SignatureParts {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** ISO basic format, e.g. 20240101T000000Z. */
  amzDate: string;
  presigned: boolean;
  /** Presigned URLs only: X-Amz-Expires in seconds. */
  expiresSeconds?: number;
  securityToken?: string;
}

export type ParseResult = { kind: 'unsigned' } | { kind: 'malformed'; message: string } | SignatureParts;

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Query pairs decoded, in wire order. '+' is kept literally: SigV4 clients encode spaces as %20. */
export function parseRawQuery(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [safeDecode(k), safeDecode(v)] as [string, string];
    });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseCredential(
  credential: string,
): Pick<SignatureParts, 'accessKeyId' | 'scopeDate' | 'region' | 'service'> | null {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return null;
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string];
  return { accessKeyId, scopeDate, region, service };
}

export function parseSignature(req: SignedRequest): ParseResult {
  const auth = header(req.headers, 'authorization');
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) {
      return { kind: 'malformed', message: `Authorization header requires the ${ALGORITHM} algorithm.` };
    }
    const fields = new Map<string, string>();
    for (const piece of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = piece.indexOf('=');
      if (eq > 0) fields.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
    }
    const cred = parseCredential(fields.get('Credential') ?? '');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    const amzDate = header(req.headers, 'x-amz-date');
    if (!cred || !signedHeaders || !signature) {
      return {
        kind: 'malformed',
        message: 'Authorization header requires Credential, SignedHeaders and Signature parameters.',
      };
    }
    if (!amzDate) return { kind: 'malformed', message: 'Authorization requires an X-Amz-Date header.' };
    const token = header(req.headers, 'x-amz-security-token');
    return {
      ...cred,
      signedHeaders: signedHeaders.split(';'),
      signature,
      amzDate,
      presigned: false,
      ...(token !== undefined ? { securityToken: token } : {}),
    };
  }
  const query = new Map(parseRawQuery(req.rawQuery));
  if (!query.has('X-Amz-Signature') && !query.has('X-Amz-Credential')) return { kind: 'unsigned' };
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
    return { kind: 'malformed', message: `X-Amz-Algorithm must be ${ALGORITHM}.` };
  }
  const cred = parseCredential(query.get('X-Amz-Credential') ?? '');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  const amzDate = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!cred || !signedHeaders || !signature || !amzDate || !Number.isInteger(expires)) {
    return { kind: 'malformed', message: 'The presigned URL is missing X-Amz-* parameters.' };
  }
  const token = query.get('X-Amz-Security-Token');
  return {
    ...cred,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    presigned: true,
    expiresSeconds: expires,
    ...(token !== undefined ? { securityToken: token } : {}),
  };
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(rawPath: string, service: string): string {
  // S3 takes the path as it is (no dot-segment removal, empty segments kept) and encodes each
  // segment once; every other service normalizes it and encodes the wire form a second time.
  if (service === 's3') {
    return rawPath
      .split('/')
      .map((seg) => uriEncode(safeDecode(seg)))
      .join('/');
  }
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  // The wire path is already encoded once; SigV4 (non-S3) encodes each segment again.
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  return parseRawQuery(rawQuery)
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaders(req: SignedRequest, names: string[]): string {
  return names.map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
}

export function canonicalRequest(req: SignedRequest, parts: SignatureParts, payloadHash: string): string {
  const names = parts.signedHeaders.map((h) => h.toLowerCase());
  return [
    req.method.toUpperCase(),
    canonicalPath(req.rawPath, parts.service),
    canonicalQuery(req.rawQuery, parts.presigned),
    canonicalHeaders(req, names),
    names.join(';'),
    payloadHash,
  ].join('\n');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secret: string, scopeDate: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, scopeDate), region), service), 'aws4_request');
}

export function computeSignature(
  req: SignedRequest,
  parts: SignatureParts,
  secret: string,
  payloadHash: string,
): string {
  const scope = `${parts.scopeDate}/${parts.region}/${parts.service}/aws4_request`;
  const hashed = createHash('sha256')
    .update(canonicalRequest(req, parts, payloadHash), 'utf8')
    .digest('hex');
  const stringToSign = [ALGORITHM, parts.amzDate, scope, hashed].join('\n');
  return createHmac('sha256', signingKey(secret, parts.scopeDate, parts.region, parts.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
}

/** What S3 clients may put in x-amz-content-sha256 instead of the body's hash. */
const S3_PAYLOAD_DECLARATIONS = /^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+)$/;

/** The payload hashes a client may legitimately have signed for this request. */
function candidatePayloadHashes(req: SignedRequest, parts: SignatureParts): string[] {
  const declared = header(req.headers, 'x-amz-content-sha256');
  // S3 signs with whatever the header declares (a streamed body is checked chunk by chunk, a
  // declared hash against the body afterwards, with S3's own error for a mismatch).
  if (parts.service === 's3') {
    if (
      declared !== undefined &&
      (S3_PAYLOAD_DECLARATIONS.test(declared) || /^[0-9a-f]{64}$/.test(declared))
    ) {
      return [declared];
    }
    if (parts.presigned) return ['UNSIGNED-PAYLOAD'];
  }
  const actual = createHash('sha256').update(req.body).digest('hex');
  if (declared !== undefined) return declared === 'UNSIGNED-PAYLOAD' || declared === actual ? [declared] : [];
  return parts.presigned ? [actual, 'UNSIGNED-PAYLOAD'] : [actual];
}

export function signatureMatches(req: SignedRequest, parts: SignatureParts, secret: string): boolean {
  const given = Buffer.from(parts.signature, 'utf8');
  return candidatePayloadHashes(req, parts).some((hash) => {
    const expected = Buffer.from(computeSignature(req, parts, secret, hash), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** Parses 20240101T000000Z; NaN if malformed. */
export function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
