import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { s3ClientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let s3: S3Client;

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: S3ServiceException) => e,
  );
}

const here = { LocationConstraint: 'us-west-2' as const };

async function bucket(name: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: here }));
}

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001 });
  s3 = new S3Client(s3ClientConfig(emu));
});
afterAll(async () => {
  await emu.stop();
});

describe('S3 buckets', () => {
  it('create / head / location / list / delete', async () => {
    const created = await s3.send(
      new CreateBucketCommand({ Bucket: 'ml-artifacts', CreateBucketConfiguration: here }),
    );
    expect(created.Location).toBe('/ml-artifacts');
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'ml-artifacts' }));
    expect(head.BucketRegion).toBe('us-west-2');
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'ml-artifacts' }));
    expect(location.LocationConstraint).toBe('us-west-2');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual([['ml-artifacts', 'us-west-2']]);
    expect(list.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);

    const dup = await errorOf(
      s3.send(new CreateBucketCommand({ Bucket: 'ml-artifacts', CreateBucketConfiguration: here })),
    );
    expect(dup.name).toBe('BucketAlreadyOwnedByYou');
    expect(dup.$metadata.httpStatusCode).toBe(409);

    await s3.send(new DeleteBucketCommand({ Bucket: 'ml-artifacts' }));
    const gone = await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'ml-artifacts' })));
    // HEAD answers carry no body: the SDK names the error after the status.
    expect([gone.name, gone.$metadata.httpStatusCode]).toEqual(['NotFound', 404]);
    const missing = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'ml-artifacts' })));
    expect(missing.name).toBe('NoSuchBucket');
    expect(missing.message).toBe('The specified bucket does not exist');
  });

  it.each([
    'ab',
    'a'.repeat(64),
    'Upper-case',
    'under_score',
    '-leading-hyphen',
    'trailing-hyphen-',
    'two..dots',
    '192.168.5.4',
    'xn--punycode',
    'sthree-bucket',
    'amzn-s3-demo-bucket',
    'name-s3alias',
    'name--ol-s3',
    'name.mrap',
    'name--table-s3',
  ])('refuses the bucket name %s (InvalidBucketName)', async (name) => {
    const err = await errorOf(
      s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: here })),
    );
    expect(err.name).toBe('InvalidBucketName');
    expect(err.message).toBe('The specified bucket is not valid.');
  });

  it('needs the endpoint region as location constraint outside us-east-1', async () => {
    const other = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'elsewhere',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      ),
    );
    expect(other.name).toBe('IllegalLocationConstraintException');
    expect(other.message).toBe(
      'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
    const bogus = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'elsewhere',
          CreateBucketConfiguration: { LocationConstraint: 'moon-1' as 'EU' },
        }),
      ),
    );
    expect(bogus.name).toBe('InvalidLocationConstraint');
  });

  it('refuses a name another account holds (BucketAlreadyExists) and hides its buckets', async () => {
    emu.addIdentity({
      accessKeyId: 'AKIAOTHERACCOUNT0001',
      secretAccessKey: 'other-account-secret',
      arn: 'arn:aws:iam::210987654321:user/someone',
    });
    const theirs = new S3Client(
      s3ClientConfig(emu, { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'other-account-secret' }),
    );
    await theirs.send(new CreateBucketCommand({ Bucket: 'taken-name', CreateBucketConfiguration: here }));
    const err = await errorOf(
      s3.send(new CreateBucketCommand({ Bucket: 'taken-name', CreateBucketConfiguration: here })),
    );
    expect(err.name).toBe('BucketAlreadyExists');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).not.toContain(
      'taken-name',
    );
    const denied = await errorOf(s3.send(new GetBucketLocationCommand({ Bucket: 'taken-name' })));
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    theirs.destroy();
  });

  it('refuses to delete a bucket that holds objects', async () => {
    await bucket('full');
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'model.bin', Body: 'weights' }));
    const err = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'full' })));
    expect(err.name).toBe('BucketNotEmpty');
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it('lists buckets page by page, with a prefix', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await bucket(name);
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'page-' }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(['page-a', 'page-b']);
    expect(first.Prefix).toBe('page-');
    const second = await s3.send(
      new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'page-', ContinuationToken: first.ContinuationToken! }),
    );
    expect(second.Buckets?.map((b) => b.Name)).toEqual(['page-c']);
    expect(second.ContinuationToken).toBeUndefined();
  });

  it('refuses ACLs when object ownership is BucketOwnerEnforced (the default)', async () => {
    const err = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'public-one',
          ACL: 'public-read',
          CreateBucketConfiguration: here,
        }),
      ),
    );
    expect(err.name).toBe('InvalidBucketAclWithObjectOwnership');
  });
});

describe('S3 bucket settings', () => {
  beforeAll(async () => {
    await bucket('settings');
  });

  it('tags: put / get / delete, NoSuchTagSet without any, InvalidTag as S3 refuses them', async () => {
    const none = await errorOf(s3.send(new GetBucketTaggingCommand({ Bucket: 'settings' })));
    expect([none.name, none.message, none.$metadata.httpStatusCode]).toEqual([
      'NoSuchTagSet',
      'The TagSet does not exist',
      404,
    ]);
    const TagSet = [
      { Key: 'gitops.dev/cluster', Value: 'research' },
      { Key: 'gitops.dev/managed-by', Value: 'gitops' },
    ];
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'settings', Tagging: { TagSet } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'settings' }))).TagSet).toEqual(TagSet);
    for (const bad of [
      [{ Key: 'aws:cloudformation:stack', Value: 'x' }],
      [
        { Key: 'same', Value: '1' },
        { Key: 'same', Value: '2' },
      ],
      [{ Key: 'k'.repeat(129), Value: 'x' }],
    ]) {
      const err = await errorOf(
        s3.send(new PutBucketTaggingCommand({ Bucket: 'settings', Tagging: { TagSet: bad } })),
      );
      expect(err.name).toBe('InvalidTag');
    }
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'settings' }));
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: 'settings' }))).rejects.toThrow(
      'The TagSet does not exist',
    );
  });

  it('public access block: all blocked by default, replaced by a put, gone after a delete', async () => {
    const initial = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'settings' }));
    expect(initial.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'settings',
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
      }),
    );
    const put = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'settings' }));
    expect(put.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'settings' }));
    const err = await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'settings' })));
    expect(err.name).toBe('NoSuchPublicAccessBlockConfiguration');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('encryption: SSE-S3 by default, SSE-KMS when set, back to SSE-S3 after a delete', async () => {
    const rule = async () =>
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'settings' })))
        .ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(await rule()).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BucketKeyEnabled: false,
    });
    const kms = 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'settings',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kms },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    expect(await rule()).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kms },
      BucketKeyEnabled: true,
    });
    const err = await errorOf(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'settings',
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: kms } }],
          },
        }),
      ),
    );
    expect(err.name).toBe('InvalidArgument');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'settings' }));
    expect((await rule())?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
  });

  it('versioning: never versioned, then Enabled, then Suspended', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'settings' }))).Status).toBeUndefined();
    for (const Status of ['Enabled', 'Suspended'] as const) {
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: 'settings', VersioningConfiguration: { Status } }),
      );
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'settings' }))).Status).toBe(Status);
    }
    const state = emu.state().s3.buckets.find((b) => b.Name === 'settings');
    expect(state).toMatchObject({ Versioning: 'Suspended', Encryption: { algorithm: 'AES256' } });
    expect(state?.PublicAccessBlock).toBeUndefined();
  });
});

describe('S3 in us-east-1', () => {
  it('takes no location constraint, and answers 200 for a bucket you already own', async () => {
    const east = await startAwsEmulator({ timeScale: 0.001, region: 'us-east-1' });
    try {
      const client = new S3Client(s3ClientConfig(east));
      await client.send(new CreateBucketCommand({ Bucket: 'east-bucket' }));
      await client.send(new CreateBucketCommand({ Bucket: 'east-bucket' }));
      const loc = await client.send(new GetBucketLocationCommand({ Bucket: 'east-bucket' }));
      expect(loc.LocationConstraint).toBeUndefined();
      const named = await errorOf(
        client.send(
          new CreateBucketCommand({
            Bucket: 'east-two',
            CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as 'EU' },
          }),
        ),
      );
      expect(named.name).toBe('InvalidLocationConstraint');
      const other = await errorOf(
        client.send(
          new CreateBucketCommand({
            Bucket: 'east-two',
            CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
          }),
        ),
      );
      expect(other.name).toBe('IllegalLocationConstraintException');
      client.destroy();
    } finally {
      await east.stop();
    }
  });
});
