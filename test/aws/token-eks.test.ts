// EKS tokens from our own SigV4 presigning, checked by the emulator's token review the way
// aws-iam-authenticator checks them: accepted for the cluster they were made for, rejected for
// any other, expired after 15 minutes; the ExecCredential kubectl gets expires after 14.
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/integrations/aws/clients.js';
import {
  createEksToken,
  eksTokenFor,
  execCredential,
  stsEndpoint,
} from '../../src/integrations/aws/token.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { clientsFor, startEmulator } from './fixtures.js';

interface Review {
  status: { authenticated: boolean; error?: string; user?: { username: string; groups: string[] } };
}

describe('EKS token', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;

  async function review(token: string, cluster: string): Promise<Review> {
    const res = await fetch(`${emu.tokenReviewUrl}/${cluster}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1beta1',
        kind: 'TokenReview',
        spec: { token },
      }),
    });
    return (await res.json()) as Review;
  }

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    const prereq = await createEksPrerequisites(emu, 'tok');
    const eks = new EKSClient(clientConfig(emu));
    for (const name of ['alpha', 'beta']) {
      await eks.send(
        new CreateClusterCommand({
          name,
          roleArn: prereq.clusterRoleArn,
          resourcesVpcConfig: { subnetIds: prereq.subnetIds },
          accessConfig: {
            authenticationMode: 'API_AND_CONFIG_MAP',
            bootstrapClusterCreatorAdminPermissions: true,
          },
        }),
      );
    }
  });
  afterAll(() => emu.stop());

  it('has the aws-iam-authenticator format', async () => {
    const signedAt = new Date();
    const token = await eksTokenFor(aws, 'alpha', {}, signedAt);
    expect(token.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    expect(`${url.protocol}//${url.host}`).toBe(emu.url);
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^[A-Z0-9]+\/\d{8}\/us-west-2\/sts\/aws4_request$/,
    );
    expect(token.expiresAt.getTime() - signedAt.getTime()).toBe(14 * 60_000);
  });

  it('is accepted for its cluster and rejected for another', async () => {
    const token = await eksTokenFor(aws, 'alpha', {});
    const ok = await review(token.token, 'alpha');
    expect(ok.status.authenticated).toBe(true);
    expect(ok.status.user?.groups).toContain('system:masters');
    const other = await review(token.token, 'beta');
    expect(other.status.authenticated).toBe(false);
    expect(other.status.error).toMatch(/signature does not match/);
  });

  it('expires 15 minutes after signing', async () => {
    const old = await eksTokenFor(aws, 'alpha', {}, new Date(Date.now() - 16 * 60_000));
    const r = await review(old.token, 'alpha');
    expect(r.status).toMatchObject({ authenticated: false, error: expect.stringMatching(/expired/) });
  });

  it('signs with session credentials (the security token rides in the URL)', async () => {
    const identity = {
      accessKeyId: 'ASIAEXAMPLESESSION01',
      secretAccessKey: 'session-secret-for-tests-only',
      sessionToken: 'session-token-for-tests-only',
      arn: `arn:aws:sts::${emu.accountId}:assumed-role/deployer/ci`,
    };
    emu.addIdentity(identity);
    const token = await createEksToken({
      cluster: 'alpha',
      region: emu.region,
      credentials: identity,
      stsEndpoint: emu.url,
    });
    const url = new URL(Buffer.from(token.token.slice(11), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(identity.sessionToken);
    // The signature checks out; this role simply has no access entry in the cluster.
    const r = await review(token.token, 'alpha');
    expect(r.status.error).toMatch(/not mapped to any access entry/);
  });

  it('uses the SDK default credential chain when no credentials are given', async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = emu.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = emu.secretAccessKey;
      delete process.env.AWS_PROFILE;
      delete process.env.AWS_SESSION_TOKEN;
      const fromEnv = createAwsClients({ region: emu.region, endpoint: emu.url });
      const token = await eksTokenFor(fromEnv, 'beta', process.env);
      expect((await review(token.token, 'beta')).status.authenticated).toBe(true);
    } finally {
      process.env = saved;
    }
  });

  it('prints an ExecCredential that expires before the token does', async () => {
    const token = await createEksToken({
      cluster: 'alpha',
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      now: new Date('2025-01-02T03:04:05.678Z'),
    });
    expect(execCredential(token)).toEqual({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: {},
      status: { expirationTimestamp: '2025-01-02T03:18:05Z', token: token.token },
    });
    const url = new URL(Buffer.from(token.token.slice(11), 'base64url').toString());
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20250102T030405Z');
  });

  it('picks the STS endpoint: explicit, then AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, then regional', () => {
    expect(stsEndpoint('eu-west-1', 'http://x', { AWS_ENDPOINT_URL: 'http://y' })).toBe('http://x');
    expect(
      stsEndpoint('eu-west-1', undefined, { AWS_ENDPOINT_URL_STS: 'http://s', AWS_ENDPOINT_URL: 'http://y' }),
    ).toBe('http://s');
    expect(stsEndpoint('eu-west-1', undefined, { AWS_ENDPOINT_URL: 'http://y' })).toBe('http://y');
    expect(stsEndpoint('eu-west-1', undefined, {})).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsEndpoint('cn-north-1', undefined, {})).toBe('https://sts.cn-north-1.amazonaws.com.cn');
  });
});
