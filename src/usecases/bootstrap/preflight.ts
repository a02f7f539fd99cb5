/**
 * Checks that can only fail late in a bootstrap, made before anything changes: otherwise a bad
 * input is found after the VPC, the IAM roles and the fleet commit already exist.
 *   - the Kubernetes version: EKS refuses an unknown one only at CreateCluster;
 *   - the kubeconfig the run merges its context into: it is written near the end.
 * Both are read-only, so a dry run makes them too.
 */
import type { AwsClients } from '../../integrations/aws/clients.js';
import { checkKubeconfigFile, defaultKubeconfigPath } from '../../integrations/aws/kubeconfig.js';
import { userError } from '../../primitives/errors.js';
import type { ClusterSpec } from '../../spec/schema.js';

export async function preflight(
  spec: ClusterSpec,
  aws: AwsClients,
  options: { kubeconfigPath?: string | undefined; env: NodeJS.ProcessEnv },
): Promise<void> {
  await Promise.all([
    checkKubernetesVersion(spec, aws),
    checkKubeconfigFile(options.kubeconfigPath ?? defaultKubeconfigPath(options.env)),
  ]);
}

/**
 * kube-proxy is an add-on of every EKS Kubernetes version, so EKS offering no kube-proxy build
 * for a version means EKS does not offer the version (in this region, or at all any more).
 */
async function checkKubernetesVersion(spec: ClusterSpec, aws: AwsClients): Promise<void> {
  const versions = await aws.eks.describeAddonVersions('kube-proxy', spec.kubernetesVersion);
  if (versions.length > 0) return;
  throw userError(
    'GITOPS_BAD_INPUT',
    `Kubernetes version ${spec.kubernetesVersion} is not offered by EKS in ${spec.region}`,
    { hint: 'pick a version EKS supports (aws eks describe-cluster-versions), for example 1.31' },
  );
}
