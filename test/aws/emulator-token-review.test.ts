import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CreateAccessEntryCommand,
  CreateClusterCommand,
  EKSClient,
  waitUntilClusterActive,
} from '@aws-sdk/client-eks';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let eks: EKSClient;

const OUTSIDER = {
  accessKeyId: 'AKIAOUTSIDER00000001',
  secretAccessKey: 'fake-outsider-secret',
  arn: 'arn:aws:iam::123456789012:user/outsider',
};
const DEPLOYER = {
  accessKeyId: 'ASIADEPLOYER00000001',
  secretAccessKey: 'fake-deployer-secret',
  arn: 'arn:aws:sts::123456789012:assumed-role/test-node/ci-run-7',
};

interface TokenOptions {
  cluster: string;
  creds?: { accessKeyId: string; secretAccessKey: string };
  signingDate?: Date;
  expiresIn?: number;
  signClusterHeader?: boolean;
}

/** An EKS token exactly as `aws eks get-token` / aws-iam-authenticator build one. */
async function eksToken(o: TokenOptions): Promise<string> {
  const url = new URL(emu.url);
  const signer = new SignatureV4({
    credentials: o.creds ?? { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    region: emu.region,
    service: 'sts',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: url.host, ...(o.signClusterHeader === false ? {} : { 'x-k8s-aws-id': o.cluster }) },
  });
  const presigned = await signer.presign(request, {
    expiresIn: o.expiresIn ?? 60,
    ...(o.signingDate ? { signingDate: o.signingDate } : {}),
  });
  const query = Object.entries(presigned.query as Record<string, string>)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return `k8s-aws-v1.${Buffer.from(`${emu.url}/?${query}`).toString('base64url')}`;
}

interface ReviewStatus {
  authenticated: boolean;
  error?: string;
  user?: { username: string; uid: string; groups: string[]; extra?: Record<string, string[]> };
}

/** What kube-apiserver does: POST a TokenReview to the webhook. */
async function review(token: string, cluster?: string, apiVersion = 'authentication.k8s.io/v1beta1') {
  const url = cluster ? `${emu.tokenReviewUrl}/${cluster}` : emu.tokenReviewUrl;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion, kind: 'TokenReview', spec: { token } }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { apiVersion: string; kind: string; status: ReviewStatus };
  expect(body.kind).toBe('TokenReview');
  expect(body.apiVersion).toBe(apiVersion);
  return body.status;
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  emu.addIdentity(OUTSIDER);
  emu.addIdentity(DEPLOYER);
  eks = new EKSClient(clientConfig(emu));
  const pre = await createEksPrerequisites(emu);
  for (const name of ['main', 'second']) {
    await eks.send(
      new CreateClusterCommand({
        name,
        roleArn: pre.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: pre.subnetIds },
      }),
    );
  }
  await waitUntilClusterActive(
    { client: eks, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 },
    { name: 'main' },
  );
  await waitUntilClusterActive(
    { client: eks, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 },
    { name: 'second' },
  );
});
afterAll(async () => {
  await emu.stop();
});

describe('token review webhook', () => {
  it('authenticates the cluster creator as a cluster admin (v1beta1 and v1)', async () => {
    const token = await eksToken({ cluster: 'main' });
    for (const version of ['authentication.k8s.io/v1beta1', 'authentication.k8s.io/v1']) {
      const status = await review(token, undefined, version);
      expect(status.authenticated).toBe(true);
      expect(status.user).toMatchObject({
        username: 'arn:aws:iam::123456789012:user/gitops-test',
        groups: ['system:masters'],
        extra: { arn: ['arn:aws:iam::123456789012:user/gitops-test'], accessKeyId: [emu.accessKeyId] },
      });
      expect(status.user?.uid).toMatch(/^aws-iam-authenticator:123456789012:AIDA[A-Z2-7]{17}$/);
    }
    expect((await review(token, 'main')).authenticated).toBe(true);
  });

  it('rejects an expired token (signed more than 15 minutes ago)', async () => {
    const status = await review(
      await eksToken({ cluster: 'main', signingDate: new Date(Date.now() - 16 * 60_000) }),
    );
    expect(status).toMatchObject({ authenticated: false, error: expect.stringContaining('expired') });
  });

  it('rejects a token whose X-Amz-Expires is over 900 seconds', async () => {
    const status = await review(await eksToken({ cluster: 'main', expiresIn: 901 }));
    expect(status).toMatchObject({ authenticated: false, error: expect.stringContaining('X-Amz-Expires') });
  });

  it('rejects a token for another cluster id', async () => {
    const status = await review(await eksToken({ cluster: 'second' }), 'main');
    expect(status).toMatchObject({
      authenticated: false,
      error: expect.stringContaining('signature does not match'),
    });
    expect((await review(await eksToken({ cluster: 'no-such-cluster' }))).authenticated).toBe(false);
  });

  it('rejects a token that does not sign x-k8s-aws-id', async () => {
    const status = await review(await eksToken({ cluster: 'main', signClusterHeader: false }));
    expect(status).toMatchObject({ authenticated: false, error: expect.stringContaining('x-k8s-aws-id') });
  });

  it('rejects a tampered signature', async () => {
    const token = await eksToken({ cluster: 'main' });
    const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString();
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f]+)/, (_m, sig: string) => {
      const last = sig.at(-1) === '0' ? '1' : '0';
      return `X-Amz-Signature=${sig.slice(0, -1)}${last}`;
    });
    expect(tampered).not.toBe(url);
    const status = await review(`k8s-aws-v1.${Buffer.from(tampered).toString('base64url')}`);
    expect(status).toMatchObject({
      authenticated: false,
      error: expect.stringContaining('signature does not match'),
    });
  });

  it('rejects a token signed with an unknown access key', async () => {
    const status = await review(
      await eksToken({
        cluster: 'main',
        creds: { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'x' },
      }),
    );
    expect(status).toMatchObject({ authenticated: false, error: expect.stringContaining('unknownKey') });
  });

  it('rejects a token with the wrong prefix', async () => {
    const token = await eksToken({ cluster: 'main' });
    const status = await review(token.replace('k8s-aws-v1.', 'k8s-aws-v2.'));
    expect(status).toMatchObject({ authenticated: false, error: expect.stringContaining('prefix') });
  });

  it('rejects an oversize token', async () => {
    const token = await eksToken({ cluster: 'main' });
    const status = await review(token + 'A'.repeat(4097 - token.length));
    expect(status).toMatchObject({ authenticated: false, error: 'token is too large' });
  });

  it('maps other principals only through their access entries', async () => {
    const outsider = await eksToken({ cluster: 'main', creds: OUTSIDER });
    expect((await review(outsider)).error).toContain('not mapped');
    await eks.send(
      new CreateAccessEntryCommand({
        clusterName: 'main',
        principalArn: OUTSIDER.arn,
        kubernetesGroups: ['developers'],
      }),
    );
    expect((await review(outsider)).user).toMatchObject({ username: OUTSIDER.arn, groups: ['developers'] });

    await eks.send(
      new CreateAccessEntryCommand({
        clusterName: 'main',
        principalArn: 'arn:aws:iam::123456789012:role/test-node',
      }),
    );
    // An assumed-role session maps through its role's entry; the username template gets the session name.
    const status = await review(await eksToken({ cluster: 'main', creds: DEPLOYER }));
    expect(status.user).toMatchObject({
      username: 'arn:aws:sts::123456789012:assumed-role/test-node/ci-run-7',
      groups: [],
    });
  });

  it('writes the webhook kubeconfig for kube-apiserver, mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-webhook-'));
    try {
      const path = join(dir, 'webhook.yaml');
      emu.writeTokenWebhookKubeconfig(path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(`server: "${emu.tokenReviewUrl}"`);
      expect(text).toContain('current-context: token-review');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
