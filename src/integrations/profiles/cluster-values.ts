/**
 * What the cluster's controllers need to know about where they run, written into the cluster's
 * folder from the provisioning outputs (never copied by hand): a ConfigMap `cluster-values` in
 * flux-system that HelmReleases read with `valuesFrom`. Controllers on AL2023 nodes cannot ask
 * the instance metadata service for it (the managed node groups' hop limit is 1), and the VPC id
 * exists only once the network step ran.
 *
 * Why `valuesFrom` and not Flux's post-build substitution: substitution would apply to the whole
 * folder, Flux's own manifests and the team's overlays included, and give `${...}` a second
 * meaning beside the profile parameters gitops fills in when rendering; a missing variable there
 * renders empty without a word, while a missing `valuesFrom` key fails the HelmRelease loudly.
 */
import { toCanonicalYaml } from './canonical-yaml.js';

export const CLUSTER_VALUES_FILE = 'cluster-values.yaml';
export const CLUSTER_VALUES_NAME = 'cluster-values';

export interface ClusterValues {
  clusterName: string;
  region: string;
  accountId: string;
  partition: string;
  /** Absent when the network step has not run (a dry run before the VPC exists). */
  vpcId?: string;
}

export function clusterValuesManifest(values: ClusterValues, namespace = 'flux-system'): string {
  const data: Record<string, string> = {
    accountId: values.accountId,
    clusterName: values.clusterName,
    partition: values.partition,
    region: values.region,
    ...(values.vpcId === undefined ? {} : { vpcId: values.vpcId }),
  };
  return (
    '# Written by gitops from what it provisioned: read by HelmReleases through valuesFrom. Not to be edited.\n' +
    toCanonicalYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CLUSTER_VALUES_NAME, namespace },
      data,
    })
  );
}
