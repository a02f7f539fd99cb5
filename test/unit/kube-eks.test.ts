import { describe, expect, it } from 'vitest';
import { eksConnection, refreshingToken } from '../../src/integrations/kube/eks.js';

describe('EKS token refresh', () => {
  it('reuses a token until the margin before expiry, then fetches one new token for concurrent callers', async () => {
    let now = 1_000_000;
    let calls = 0;
    const token = refreshingToken(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return { token: `t${calls}`, expiresAt: new Date(now + 15 * 60_000) };
      },
      60_000,
      () => now,
    );
    expect(await Promise.all([token(false), token(false), token(false)])).toEqual(['t1', 't1', 't1']);
    now += 13 * 60_000;
    expect(await token(false)).toBe('t1');
    now += 60_000; // inside the last minute
    expect(await Promise.all([token(false), token(false)])).toEqual(['t2', 't2']);
    expect(await token(true)).toBe('t3');
    expect(calls).toBe(3);
  });

  it('builds an https connection from an endpoint and base64 CA data', () => {
    const c = eksConnection({
      endpoint: 'ABC.gr7.us-west-2.eks.amazonaws.com',
      caData: Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString('base64'),
      token: async () => ({ token: 't', expiresAt: new Date() }),
    });
    expect(c.server).toBe('https://ABC.gr7.us-west-2.eks.amazonaws.com');
    expect(c.ca).toContain('BEGIN CERTIFICATE');
  });
});
