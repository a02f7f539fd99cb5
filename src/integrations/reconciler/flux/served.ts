/** Reading Flux's objects whatever version of their CRD the installed Flux serves. */
import type { KubeClient } from '../../kube/client.js';
import { field, type KubeObject } from '../../kube/object.js';

/** Lists a Flux kind in whatever version the cluster serves (v1, v2, v2beta1, ...). */
export async function listServed(
  client: KubeClient,
  group: string,
  kind: string,
  plural: string,
): Promise<KubeObject[]> {
  const crd = await client.get({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    name: `${plural}.${group}`,
  });
  if (!crd) return [];
  const versions = field(crd, 'spec', 'versions');
  const storage = Array.isArray(versions)
    ? (versions.find((v) => field(v, 'storage') === true) ??
      versions.find((v) => field(v, 'served') === true))
    : undefined;
  const version = field(storage, 'name');
  if (typeof version !== 'string') return [];
  return await client.list(`${group}/${version}`, kind);
}
