// AWS managed policies the emulator accepts in AttachRolePolicy. Real IAM has hundreds; these
// are the ones EKS provisioning uses, plus a few common ones.

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
