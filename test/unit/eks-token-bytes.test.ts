// The EKS token, byte for byte, for fixed credentials and a fixed signing time: any change to how
// it is built (a different SHA-256, signer or query encoding, say for start-up speed) shows here.
//
// The signatures are the AWS CLI's: botocore 1.43 / aws-cli 1.45 (`aws eks get-token`'s
// TokenGenerator with get_current_datetime patched to the same instant) signs the same canonical
// request to the same signature. Its URL lists X-Amz-SignedHeaders (and X-Amz-Security-Token)
// before X-Amz-Signature, while ours sorts every parameter, as aws-iam-authenticator's Go SDK
// does; the authenticator reads parameters by name, so both orders are the same token to it.
import { describe, expect, it } from 'vitest';
import { createEksToken, eksTokenFor, TOKEN_PREFIX } from '../../src/integrations/aws/token.js';

const signingDate = new Date('2025-01-02T03:04:05.678Z');

function presignedUrl(token: string): string {
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
}

describe('EKS token bytes', () => {
  it('long-term keys: the fixed URL, with the signature botocore computes', async () => {
    const t = await createEksToken({
      cluster: 'research',
      region: 'us-west-2',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      now: signingDate,
    });
    expect(presignedUrl(t.token)).toBe(
      'https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15' +
        '&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIDEXAMPLE%2F20250102%2Fus-west-2%2Fsts%2Faws4_request' +
        '&X-Amz-Date=20250102T030405Z&X-Amz-Expires=60' +
        '&X-Amz-Signature=004da740cda0442c8ce1201996928c9f36e16e7727a10b697e9f0dab687030aa' +
        '&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    );
    expect(t.token).toBe(TOKEN_PREFIX + Buffer.from(presignedUrl(t.token)).toString('base64url'));
  });

  it('session credentials: the token rides in the URL, escaped, and is signed', async () => {
    const t = await createEksToken({
      cluster: 'research',
      region: 'us-west-2',
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret/with+chars=',
        sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDA+/=',
      },
      now: signingDate,
    });
    expect(presignedUrl(t.token)).toBe(
      'https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15' +
        '&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=ASIAEXAMPLE%2F20250102%2Fus-west-2%2Fsts%2Faws4_request' +
        '&X-Amz-Date=20250102T030405Z&X-Amz-Expires=60' +
        '&X-Amz-Security-Token=FwoGZXIvYXdzEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaDA%2B%2F%3D' +
        '&X-Amz-Signature=d0ec244c72672c6bed90ed0e47ec4c62772cdeef487f7b2ea30a3214f3bafc44' +
        '&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    );
  });

  it('an explicit endpoint (the emulator, AWS_ENDPOINT_URL) is the host it signs, port included', async () => {
    const t = await createEksToken({
      cluster: 'c',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      stsEndpoint: 'http://127.0.0.1:4566',
      now: signingDate,
    });
    expect(presignedUrl(t.token)).toBe(
      'http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15' +
        '&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIDEXAMPLE%2F20250102%2Feu-west-1%2Fsts%2Faws4_request' +
        '&X-Amz-Date=20250102T030405Z&X-Amz-Expires=60' +
        '&X-Amz-Signature=c5da88ef13d893f3533a8d45894cb3ac05118c265f33d34809b3d0bef2d695c0' +
        '&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    );
  });

  it('takes AWS_ENDPOINT_URL_STS from the environment the run was given, never from process.env', async () => {
    const signing = {
      region: 'eu-west-1',
      endpoint: undefined,
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    };
    const saved = process.env['AWS_ENDPOINT_URL_STS'];
    process.env['AWS_ENDPOINT_URL_STS'] = 'http://from-process-env.invalid';
    try {
      const given = await eksTokenFor(signing, 'c', { AWS_ENDPOINT_URL_STS: 'http://sts.given.test:8443' });
      expect(new URL(presignedUrl(given.token)).host).toBe('sts.given.test:8443');
      const none = await eksTokenFor(signing, 'c', {});
      expect(new URL(presignedUrl(none.token)).host).toBe('sts.eu-west-1.amazonaws.com');
      const bare = await createEksToken({
        cluster: 'c',
        region: 'eu-west-1',
        credentials: await signing.credentials(),
      });
      expect(new URL(presignedUrl(bare.token)).host).toBe('sts.eu-west-1.amazonaws.com');
    } finally {
      if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_STS'];
      else process.env['AWS_ENDPOINT_URL_STS'] = saved;
    }
  });
});
