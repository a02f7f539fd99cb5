/** Reading Flux's objects whatever version of their CRD the installed Flux serves. */
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/object.js';

/**
 * Lists a Flux kind in the version the cluster serves it in (v1, v2, v2beta1, ...), the server's
 * preferred version of the group first. Asked through discovery, not by reading the kind's CRD.
 */
export async function listServed(client: KubeClient, group: string, kind: string): Promise<KubeObject[]> {
  const version = await client.discovery.servedVersion(group, kind);
  return version === undefined ? [] : await client.list(`${group}/${version}`, kind);
}
