/** Test helpers around the shared apiserver: a client, unique names, status writes. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { KubeClient, kubeClientFromKubeconfig } from '../../../src/integrations/kube/client.js';
import type { KubeObject, ObjectRef } from '../../../src/integrations/kube/object.js';

export async function testClient(): Promise<KubeClient> {
  return await kubeClientFromKubeconfig({ env: process.env, path: inject('kube').kubeconfig });
}

/** A name no other test uses: tests share one apiserver. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMap(ns: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

export function deployment(ns: string, name: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
      },
    },
  };
}

/** Plays the Deployment controller: marks the current generation rolled out and available. */
export async function markDeploymentAvailable(client: KubeClient, ref: ObjectRef): Promise<void> {
  const live = await client.get(ref);
  if (!live) throw new Error(`no ${ref.kind} ${ref.name}`);
  const replicas = (live.spec as { replicas?: number }).replicas ?? 1;
  await client.patchStatus(ref, {
    observedGeneration: live.metadata.generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        lastUpdateTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  });
}

export { KubeClient };
