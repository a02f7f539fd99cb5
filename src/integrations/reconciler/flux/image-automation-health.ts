/**
 * Flux's image automation objects for `gitops status`: each ImageRepository (can it list the
 * registry's tags?), ImagePolicy (did a tag match?) and ImageUpdateAutomation (can it push?), with
 * its own Ready condition. A failure there stops new images from reaching the cluster while every
 * sync stays green, so status reports them beside the sync's objects. Reads only; a cluster
 * without the image CRDs has none.
 */
import type { KubeClient } from '../../kube/client.js';
import { conditionOf, field, type KubeObject } from '../../kube/object.js';
import { readinessOf } from '../../kube/readiness.js';
import type { ImageAutomationHealth } from '../reconciler.js';
import { listServed } from './served.js';

const IMAGE_GROUP = 'image.toolkit.fluxcd.io';
const KINDS = ['ImageRepository', 'ImagePolicy', 'ImageUpdateAutomation'] as const;

export async function fluxImageAutomationHealth(client: KubeClient): Promise<ImageAutomationHealth[]> {
  const lists = await Promise.all(KINDS.map((kind) => listServed(client, IMAGE_GROUP, kind)));
  return lists.flat().map(imageObjectHealth);
}

export function imageObjectHealth(obj: KubeObject): ImageAutomationHealth {
  const r = readinessOf(obj);
  const ready = conditionOf(obj, 'Ready');
  const out: ImageAutomationHealth = {
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    ready: r.ready,
    suspended: field(obj, 'spec', 'suspend') === true,
    reason: r.ready && ready ? [ready.reason, ready.message].filter(Boolean).join(': ') : r.reason,
  };
  const name = field(obj, 'status', 'latestRef', 'name');
  const tag = field(obj, 'status', 'latestRef', 'tag');
  if (typeof name === 'string' && typeof tag === 'string') out.latestImage = `${name}:${tag}`;
  return out;
}
