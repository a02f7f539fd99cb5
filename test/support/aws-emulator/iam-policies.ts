// AWS managed policies the emulator accepts in AttachRolePolicy. Real IAM has hundreds; these
// are the ones EKS provisioning and the in-cluster controllers use, plus a few common ones. Each
// is listed in AWS's managed policy reference (docs.aws.amazon.com/aws-managed-policy/latest/
// reference/<name>.html). Some controllers have none: the AWS Load Balancer Controller's policy,
// for one, is a customer managed policy (AmazonEKSLoadBalancingPolicy is Auto Mode's, for the
// cluster role).

const AWS_MANAGED = [
  'AmazonEKSClusterPolicy',
  'AmazonEKSServicePolicy',
  'AmazonEKSVPCResourceController',
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKSWorkerNodeMinimalPolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEKSBlockStoragePolicy',
  'AmazonEKSComputePolicy',
  'AmazonEKSLoadBalancingPolicy',
  'AmazonEKSNetworkingPolicy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonEC2ContainerRegistryPowerUser',
  'AmazonSSMManagedInstanceCore',
  'CloudWatchAgentServerPolicy',
  'AmazonEC2ContainerRegistryFullAccess',
  'AmazonS3ReadOnlyAccess',
  'AmazonS3FullAccess',
  'AmazonRoute53FullAccess',
  'AmazonFSxFullAccess',
  'AmazonPrometheusRemoteWriteAccess',
  'AmazonSSMReadOnlyAccess',
  'AWSXrayWriteOnlyAccess',
  'SecretsManagerReadWrite',
  'AdministratorAccess',
  'ReadOnlyAccess',
  'service-role/AmazonEBSCSIDriverPolicy',
  'service-role/AmazonEFSCSIDriverPolicy',
];

export const MANAGED_POLICY_ARNS: ReadonlySet<string> = new Set(
  AWS_MANAGED.map((p) => `arn:aws:iam::aws:policy/${p}`),
);

export function policyNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
