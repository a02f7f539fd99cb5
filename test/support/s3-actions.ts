// S3's IAM actions are not its operation names (ListObjectVersions is s3:ListBucketVersions,
// HeadBucket s3:ListBucket, ...). The operations gitops's S3 adapter sends, with the actions IAM
// checks for each, from the Service Authorization Reference (Amazon S3, "Actions defined") and the
// S3 API reference's Permissions sections (CreateBucket with tags also needs s3:TagResource;
// DeleteObjects checks s3:DeleteObject, and s3:DeleteObjectVersion for a version id).
export const S3_OPERATION_ACTIONS: Record<string, string[]> = {
  CreateBucket: ['s3:CreateBucket', 's3:TagResource'],
  DeleteBucket: ['s3:DeleteBucket'],
  DeleteObjects: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
  GetBucketEncryption: ['s3:GetEncryptionConfiguration'],
  GetBucketTagging: ['s3:GetBucketTagging'],
  GetBucketVersioning: ['s3:GetBucketVersioning'],
  GetPublicAccessBlock: ['s3:GetBucketPublicAccessBlock'],
  HeadBucket: ['s3:ListBucket'],
  ListBuckets: ['s3:ListAllMyBuckets'],
  ListObjectVersions: ['s3:ListBucketVersions'],
  PutBucketEncryption: ['s3:PutEncryptionConfiguration'],
  PutBucketTagging: ['s3:PutBucketTagging'],
  PutBucketVersioning: ['s3:PutBucketVersioning'],
  PutPublicAccessBlock: ['s3:PutBucketPublicAccessBlock'],
};

/** `s3:<Operation>` as the emulator's call log names it -> the IAM actions; other services as they are. */
export function iamActionsOf(serviceOperation: string): string[] {
  const [service, operation] = serviceOperation.split(':') as [string, string];
  if (service !== 's3') return [serviceOperation];
  // An operation missing here shows up as itself, which no policy allows: the test fails naming it.
  return S3_OPERATION_ACTIONS[operation] ?? [serviceOperation];
}
