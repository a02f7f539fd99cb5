/**
 * Checks that could only fail late in a bootstrap, made before any remote call so that bad input
 * is exit 2 with nothing touched (otherwise it is found after the VPC, the IAM roles and the
 * fleet commit exist): the fleet URL must be one the reconciler can read (no file:// or local
 * path; plain http only when allowed), every file a flag names is read and checked (the
 * reconciler's manifests, a profile in a bundled or local folder; --config is read with the
 * flags), and the kubeconfig the run writes its context into must be one it can edit. (The Kubernetes version is
 * checked against what EKS offers when the inputs are prepared: integrations/aws/versions.ts.)
 */
import { checkKubeconfigFile } from '../../integrations/aws/kubeconfig.js';
import { type ResolvedProfile, resolveProfile } from '../../integrations/profiles/catalog.js';
import { parseProfileRef } from '../../integrations/profiles/ref.js';
import type { Reconciler, ReconcilerManifests } from '../../integrations/reconciler/reconciler.js';
import type { EventSink } from '../../primitives/events.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { kubeconfigPath } from '../kubeconfig.js';

export interface LocalChecks {
  reconciler: Reconciler;
  env: NodeJS.ProcessEnv;
  /** The kubeconfig the run merges its context into (default $KUBECONFIG, ~/.kube/config). */
  kubeconfigPath?: string | undefined;
  allowInsecureHttp: boolean;
}

/** What bootstrap reads from this machine before any remote call, handed on so it is read once. */
export interface LocalInputs {
  /** --reconciler-manifests when it names a file (labelled with the version the spec asks for). */
  manifests?: ReconcilerManifests;
  /** The profile when it is bundled or a local folder (a git profile is a remote read). */
  profile?: ResolvedProfile;
}

/** Returns the URL the reconciler will be given. */
export async function localPreflight(spec: Pick<ClusterSpec, 'fleet'>, checks: LocalChecks): Promise<string> {
  const sourceUrl = checks.reconciler.sourceUrl(spec.fleet.url, {
    allowInsecureHttp: checks.allowInsecureHttp,
  });
  // Written near the end of a run: a file that cannot take the entry is refused now.
  await checkKubeconfigFile(kubeconfigPath({ path: checks.kubeconfigPath, env: checks.env }));
  return sourceUrl;
}

/**
 * --reconciler-manifests when it names a file: read and checked by the reconciler now (a file
 * that is not its manifests is exit 2), so that it is not found bad after AWS was called. A URL
 * is a remote read and is left to the run.
 */
export async function readLocalManifests(
  reconciler: Reconciler,
  source: string | undefined,
  options: { version: string; env: NodeJS.ProcessEnv; sink?: EventSink | undefined },
): Promise<ReconcilerManifests | undefined> {
  if (source === undefined || /^https?:\/\//i.test(source)) return undefined;
  return await reconciler.resolveManifests({
    version: options.version,
    source,
    env: options.env,
    sink: options.sink ?? { emit: () => undefined },
  });
}

/** A bundled profile or one in a local folder, read and checked; undefined for a git profile. */
export async function readLocalProfile(
  source: string,
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<ResolvedProfile | undefined> {
  if (parseProfileRef(source).kind === 'git') return undefined;
  return await resolveProfile(source, {
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
