import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CreateBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { s3ClientConfig } from '../support/aws-emulator/testing.js';

// S3 checks SigV4 its own way (the path is encoded once, x-amz-content-sha256 is signed) and
// answers authentication problems with its own codes, in XML.

let emu: RunningEmulator;

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: S3ServiceException) => e,
  );
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  const s3 = new S3Client(s3ClientConfig(emu));
  await s3.send(
    new CreateBucketCommand({
      Bucket: 'signed',
      CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'signed', Key: 'dir/file (1).txt', Body: 'presigned body' }));
  s3.destroy();
});
afterAll(async () => {
  await emu.stop();
});

describe('S3 authentication', () => {
  it("answers with S3's codes", async () => {
    const wrongSecret = new S3Client(
      s3ClientConfig(emu, { accessKeyId: emu.accessKeyId, secretAccessKey: 'not-the-secret' }),
    );
    expect((await errorOf(wrongSecret.send(new ListBucketsCommand({})))).name).toBe('SignatureDoesNotMatch');
    const unknown = new S3Client(
      s3ClientConfig(emu, { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' }),
    );
    const err = await errorOf(unknown.send(new ListBucketsCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidAccessKeyId', 403]);
    const elsewhere = new S3Client({ ...s3ClientConfig(emu), region: 'eu-west-1' });
    expect((await errorOf(elsewhere.send(new ListBucketsCommand({})))).name).toBe(
      'AuthorizationHeaderMalformed',
    );
    const anonymous = await fetch(`${emu.url}/signed/dir/file%20%281%29.txt`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toMatch(
      /<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/,
    );
    for (const c of [wrongSecret, unknown, elsewhere]) c.destroy();
  });

  it('serves a presigned GET (the payload is UNSIGNED-PAYLOAD, the key encoded once)', async () => {
    const url = new URL(emu.url);
    const signer = new SignatureV4({
      service: 's3',
      region: emu.region,
      credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const request = new HttpRequest({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/signed/dir/file%20%281%29.txt',
      // As S3's presigner does: S3 signs query-authenticated requests with an unsigned payload.
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const signed = await signer.presign(request, { expiresIn: 60 });
    const query = new URLSearchParams(signed.query as Record<string, string>).toString();
    const res = await fetch(`${emu.url}${signed.path}?${query}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('presigned body');
    const tampered = await fetch(`${emu.url}/signed/dir/other.txt?${query}`);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
