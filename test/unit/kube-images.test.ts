import { describe, expect, it } from 'vitest';
import { podImages, runsPods, tagOf } from '../../src/integrations/kube/images.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { deployedFrom, singleTag } from '../../src/usecases/deployed.js';

const repo = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api';

function deployment(containers: unknown[], initContainers?: unknown[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'api' },
    spec: { template: { spec: { containers, ...(initContainers ? { initContainers } : {}) } } },
  };
}

describe('workload images', () => {
  it('reads init containers and containers from where each kind keeps its pod spec', () => {
    expect(podImages(deployment([{ name: 'a', image: 'a:1' }], [{ name: 'm', image: 'm:2' }]))).toEqual([
      'm:2',
      'a:1',
    ]);
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'c:3' }] } } } } },
    };
    expect(podImages(cron)).toEqual(['c:3']);
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ image: 'p:4' }] },
    };
    expect(podImages(pod)).toEqual(['p:4']);
  });

  it('has no images for kinds without pods or a malformed spec', () => {
    expect(runsPods('Service')).toBe(false);
    expect(runsPods('StatefulSet')).toBe(true);
    expect(podImages({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} })).toEqual([]);
    expect(podImages(deployment([{ name: 'x' }, 'not a container']))).toEqual([]);
  });

  it('takes the tag of the repository only, with or without a digest', () => {
    expect(tagOf(`${repo}:main-1700000000-abc1234`, repo)).toBe('main-1700000000-abc1234');
    expect(tagOf(`${repo}:v2@sha256:${'a'.repeat(64)}`, repo)).toBe('v2');
    expect(tagOf(`${repo}@sha256:${'a'.repeat(64)}`, repo)).toBeUndefined();
    expect(tagOf(`${repo}-worker:v1`, repo)).toBeUndefined();
    expect(tagOf('nginx:1.27', repo)).toBeUndefined();
  });

  it('finds one deployed tag only when every workload of the repository agrees', () => {
    const images = [
      { workload: 'Deployment api/api', image: `${repo}:v1` },
      { workload: 'Deployment api/worker', image: `${repo}:v1` },
      { workload: 'Deployment api/api', image: 'envoy:1.30' },
    ];
    const deployed = deployedFrom(images, repo);
    expect(deployed).toEqual([
      { workload: 'Deployment api/api', tag: 'v1' },
      { workload: 'Deployment api/worker', tag: 'v1' },
    ]);
    expect(singleTag(deployed)).toBe('v1');
    expect(singleTag([...deployed, { workload: 'Job api/migrate', tag: 'v0' }])).toBeUndefined();
    expect(singleTag([])).toBeUndefined();
  });
});
