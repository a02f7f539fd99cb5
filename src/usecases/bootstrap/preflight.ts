/**
 * Checks that could only fail late in a bootstrap, made before any remote call so that bad input
 * is exit 2 with nothing touched (otherwise it is found after the VPC, the IAM roles and the
 * fleet commit exist): the fleet URL must be one the reconciler can read (no file:// or local
 * path; plain http only when allowed), every file a flag names must be readable, and the
 * kubeconfig the run writes its context into must be one it can edit. (The Kubernetes version is
 * checked against what EKS offers when the inputs are prepared: integrations/aws/versions.ts.)
 */
import { access } from 'node:fs/promises';
import { checkKubeconfigFile } from '../../integrations/aws/kubeconfig.js';
import type { Reconciler } from '../../integrations/reconciler/reconciler.js';
import { userError } from '../../primitives/errors.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { kubeconfigPath } from '../kubeconfig.js';

export interface LocalChecks {
  reconciler: Reconciler;
  env: NodeJS.ProcessEnv;
  /** The kubeconfig the run merges its context into (default $KUBECONFIG, ~/.kube/config). */
  kubeconfigPath?: string | undefined;
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
  // Written near the end of a run: a file that cannot take the entry is refused now.
  await checkKubeconfigFile(kubeconfigPath({ path: checks.kubeconfigPath, env: checks.env }));
  return sourceUrl;
}
