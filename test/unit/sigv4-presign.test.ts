// Our SigV4 presigning (src/integrations/aws/sigv4-presign.ts, written out so that `gitops token`
// loads no SDK module) against the SDK's own SignatureV4.presign on the same inputs: the same
// query, parameter for parameter, for the cases a token can meet (session credentials, endpoints
// with ports and paths, header values with spaces, odd characters in keys and names).
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { type PresignRequest, presignGet } from '../../src/integrations/aws/sigv4-presign.js';

async function sdkPresign(req: PresignRequest): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: req.credentials,
    region: req.region,
    service: req.service,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const signed = await signer.presign(
    new HttpRequest({
      method: 'GET',
      hostname: req.headers['host']!,
      path: req.path,
      query: req.query,
      headers: req.headers,
    }),
    { expiresIn: req.expiresInSeconds, signingDate: req.signingDate },
  );
  return signed.query as Record<string, string>;
}

const base: PresignRequest = {
  path: '/',
  query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  headers: { host: 'sts.us-west-2.amazonaws.com', 'x-k8s-aws-id': 'research' },
  region: 'us-west-2',
  service: 'sts',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  signingDate: new Date('2025-01-02T03:04:05.678Z'),
  expiresInSeconds: 60,
};

const cases: [string, Partial<PresignRequest>][] = [
  ['an EKS token request', {}],
  [
    'session credentials',
    {
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret/with+chars=',
        sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDA+/= with space',
      },
    },
  ],
  ['a host with a port', { headers: { host: '127.0.0.1:4566', 'x-k8s-aws-id': 'c' } }],
  ['an endpoint with a path', { path: '/sts/proxy/' }],
  ['a path with dot segments and escapes', { path: '/a/./b/../c%20d/e~f' }],
  ['a header value with spaces to fold', { headers: { host: 'h.example', 'x-k8s-aws-id': '  a   b  ' } }],
  [
    'query keys one a prefix of another, and characters to escape',
    { query: { a: '1', 'a-b': '2', 'b*': "x!y'z()", Action: 'GetCallerIdentity' } },
  ],
  ['another region, service and lifetime', { region: 'cn-north-1', service: 'eks', expiresInSeconds: 900 }],
  ['a date at the turn of a day', { signingDate: new Date('2024-12-31T23:59:59.999Z') }],
];

describe('SigV4 presigning', () => {
  for (const [name, change] of cases) {
    it(`matches the SDK's signer: ${name}`, async () => {
      const req = { ...base, ...change };
      expect(presignGet(req)).toEqual(await sdkPresign(req));
    });
  }

  it('leaves the caller’s query alone', () => {
    const query = { Action: 'GetCallerIdentity' };
    presignGet({ ...base, query });
    expect(query).toEqual({ Action: 'GetCallerIdentity' });
  });
});
