import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
});
afterAll(async () => {
  await emu.stop();
});

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The same read on every service, through the real SDK clients, with the given credentials. */
/** The same read on every service through the real SDK clients: 'ok' or the error name, per service. */
async function callEach(creds: Creds, region?: string): Promise<Record<string, string>> {
  const cfg = { ...clientConfig(emu, creds), ...(region ? { region } : {}), maxAttempts: 1 };
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => e.name,
    );
  const [sts, iam, ec2, eks, ecr] = await Promise.all([
    outcome(new STSClient(cfg).send(new GetCallerIdentityCommand({}))),
    outcome(new IAMClient(cfg).send(new ListRolesCommand({}))),
    outcome(new EC2Client(cfg).send(new DescribeVpcsCommand({}))),
    outcome(new EKSClient(cfg).send(new ListClustersCommand({}))),
    outcome(new ECRClient(cfg).send(new DescribeRepositoriesCommand({}))),
  ]);
  return { sts: sts!, iam: iam!, ec2: ec2!, eks: eks!, ecr: ecr! };
}

function signer(creds: Creds, service: string, region = emu.region): SignatureV4 {
  return new SignatureV4({ credentials: creds, region, service, sha256: Sha256 });
}

const host = () => new URL(emu.url).host;

describe('SigV4 verification', () => {
  it('routes every SDK client through the one URL by credential scope', async () => {
    const names = await callEach({ accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey });
    expect(names).toEqual({ sts: 'ok', iam: 'ok', ec2: 'ok', eks: 'ok', ecr: 'ok' });
  });

  it('serves clients configured only through the standard environment variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emu.url,
      AWS_REGION: emu.region,
      AWS_ACCESS_KEY_ID: emu.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    });
    try {
      const cfg = { maxAttempts: 1 };
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (e: Error) => e.message,
        );
      expect(
        await Promise.all([
          outcome(new STSClient(cfg).send(new GetCallerIdentityCommand({}))),
          outcome(new IAMClient(cfg).send(new ListRolesCommand({}))),
          outcome(new EC2Client(cfg).send(new DescribeVpcsCommand({}))),
          outcome(new EKSClient(cfg).send(new ListClustersCommand({}))),
          outcome(new ECRClient(cfg).send(new DescribeRepositoriesCommand({}))),
        ]),
      ).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    } finally {
      process.env = saved;
    }
  });

  it('rejects an unknown access key with each service’s own error', async () => {
    const names = await callEach({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    expect(names).toEqual({
      sts: 'InvalidClientTokenId',
      iam: 'InvalidClientTokenId',
      ec2: 'AuthFailure',
      eks: 'UnrecognizedClientException',
      ecr: 'UnrecognizedClientException',
    });
  });

  it('rejects a signature made with the wrong secret', async () => {
    const names = await callEach({ accessKeyId: emu.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(names).toEqual({
      sts: 'SignatureDoesNotMatch',
      iam: 'SignatureDoesNotMatch',
      ec2: 'SignatureDoesNotMatch',
      eks: 'InvalidSignatureException',
      ecr: 'InvalidSignatureException',
    });
  });

  it('rejects a credential scoped to another region (IAM/STS also accept us-east-1)', async () => {
    const creds = { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey };
    expect((await callEach(creds, 'eu-west-1')).eks).toBe('InvalidSignatureException');
    expect((await callEach(creds, 'eu-west-1')).sts).toBe('SignatureDoesNotMatch');
    expect((await callEach(creds, 'us-east-1')).iam).toBe('ok');
  });

  it('rejects unsigned requests in each protocol’s shape', async () => {
    const form = (body: string) =>
      fetch(`${emu.url}/`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const sts = await form('Action=GetCallerIdentity&Version=2011-06-15');
    expect(sts.status).toBe(403);
    expect(await sts.text()).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/,
    );
    const ec2 = await form('Action=DescribeVpcs&Version=2016-11-15');
    expect(ec2.status).toBe(401);
    expect(await ec2.text()).toMatch(/<Response><Errors><Error><Code>MissingAuthenticationToken<\/Code>/);
    const eks = await fetch(`${emu.url}/clusters`);
    expect(eks.status).toBe(403);
    expect(eks.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const ecr = await fetch(`${emu.url}/`, {
      method: 'POST',
      body: '{}',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
      },
    });
    expect(ecr.status).toBe(403);
    expect(((await ecr.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    const failures = emu.calls().filter((c) => c.errorCode?.startsWith('MissingAuthenticationToken'));
    expect(failures.map((c) => c.service).sort()).toEqual(['ec2', 'ecr', 'eks', 'sts']);
  });

  it('detects a body changed after signing', async () => {
    const creds = { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey };
    const request = new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(new URL(emu.url).port),
      path: '/',
      headers: { host: host(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const signed = await signer(creds, 'sts').sign(request);
    const headers = signed.headers as Record<string, string>;
    const ok = await fetch(`${emu.url}/`, { method: 'POST', headers, body: signed.body as string });
    expect(ok.status).toBe(200);
    const tampered = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers,
      body: 'Action=GetCallerIdentity&Version=2011-06-16',
    });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('rejects a request signed 20 minutes ago', async () => {
    const creds = { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey };
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: '/clusters',
      headers: { host: host() },
    });
    const signed = await signer(creds, 'eks').sign(request, {
      signingDate: new Date(Date.now() - 20 * 60_000),
    });
    const res = await fetch(`${emu.url}/clusters`, { headers: signed.headers as Record<string, string> });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('accepts a presigned STS GET (query-string auth), as an EKS token carries', async () => {
    const creds = { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey };
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: host() },
    });
    const presigned = await signer(creds, 'sts').presign(request, { expiresIn: 60 });
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const res = await fetch(`${emu.url}/?${query}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Arn>arn:aws:iam::123456789012:user/gitops-test</Arn>');
    const call = emu.calls({ service: 'sts' }).at(-1)!;
    // Credentials in the query never reach the call log.
    expect(JSON.stringify(call.params)).not.toContain('X-Amz');
  });

  it('requires the session token an identity was registered with', async () => {
    emu.addIdentity({
      accessKeyId: 'ASIASESSIONKEY000001',
      secretAccessKey: 'fake-session-secret',
      sessionToken: 'right-token',
      arn: 'arn:aws:sts::123456789012:assumed-role/deployer/s1',
    });
    const wrong = await callEach({
      accessKeyId: 'ASIASESSIONKEY000001',
      secretAccessKey: 'fake-session-secret',
      sessionToken: 'wrong-token',
    });
    expect(wrong.sts).toBe('InvalidClientTokenId');
    const right = await callEach({
      accessKeyId: 'ASIASESSIONKEY000001',
      secretAccessKey: 'fake-session-secret',
      sessionToken: 'right-token',
    });
    expect(right).toEqual({ sts: 'ok', iam: 'ok', ec2: 'ok', eks: 'ok', ecr: 'ok' });
  });
});
