/**
 * Checks that can only fail late in a bootstrap, made before anything changes: otherwise a bad
 * input is found after the VPC, the IAM roles and the fleet commit already exist.
 *   - local: the fleet URL must be one the reconciler can read (no file:// or local path; plain
 *     http only when allowed), and every file a flag names must be readable; these run before
 *     any remote call, so bad input is exit 2 without touching the network;
 *   - remote, read-only: the Kubernetes version (EKS refuses an unknown one only at
 *     CreateCluster) and the kubeconfig the run merges its context into (written near the end).
 */
import { access } from 'node:fs/promises';
import type { AwsClients } from '../../integrations/aws/clients.js';
import { checkKubeconfigFile } from '../../integrations/aws/kubeconfig.js';
import type { Reconciler } from '../../integrations/reconciler/reconciler.js';
import { userError } from '../../primitives/errors.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { kubeconfigPath } from '../kubeconfig.js';

export interface LocalChecks {
  reconciler: Reconciler;
  allowInsecureHttp: boolean;
  /** --reconciler-manifests, when it names a file. */
  reconcilerManifests?: string | undefined;
}

/** Returns the URL the reconciler will be given. */
export async function localPreflight(spec: Pick<ClusterSpec, 'fleet'>, checks: LocalChecks): Promise<string> {
  const sourceUrl = checks.reconciler.sourceUrl(spec.fleet.url, {
    allowInsecureHttp: checks.allowInsecureHttp,
  });
  const manifests = checks.reconcilerManifests;
  if (manifests !== undefined && !/^https?:\/\//i.test(manifests)) {
    await access(manifests).catch((e: unknown) => {
      throw userError(
        'GITOPS_BAD_INPUT',
        `cannot read --reconciler-manifests ${manifests}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    });
  }
  return sourceUrl;
}

export async function remotePreflight(
  spec: ClusterSpec,
  aws: AwsClients,
  options: { kubeconfigPath?: string | undefined; env: NodeJS.ProcessEnv },
): Promise<void> {
  await Promise.all([
    checkKubernetesVersion(spec, aws),
    checkKubeconfigFile(kubeconfigPath({ path: options.kubeconfigPath, env: options.env })),
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
