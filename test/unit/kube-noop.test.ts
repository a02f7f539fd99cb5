import { describe, expect, it } from 'vitest';
import { applyIsNoop, quantity } from '../../src/integrations/kube/noop.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'n', labels: { app: 'd' } },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '1000m', memory: '1Gi' } } }],
      },
    },
  },
};

const ownedFields = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"c"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:resources': { 'f:limits': { 'f:cpu': {}, 'f:memory': {} } },
          },
        },
      },
    },
  },
};

function live(
  overrides: { spec?: unknown; fields?: unknown; manager?: string; apiVersion?: string } = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'd',
      namespace: 'n',
      labels: { app: 'd' },
      resourceVersion: '5',
      managedFields: [
        {
          manager: overrides.manager ?? 'gitops',
          operation: 'Apply',
          apiVersion: overrides.apiVersion ?? 'apps/v1',
          fieldsV1: overrides.fields ?? ownedFields,
        },
      ],
    },
    spec: overrides.spec ?? {
      replicas: 1,
      strategy: { type: 'RollingUpdate' },
      template: {
        spec: {
          containers: [
            {
              name: 'c',
              image: 'i:1',
              imagePullPolicy: 'IfNotPresent',
              resources: { limits: { cpu: '1', memory: '1Gi' } },
            },
          ],
        },
      },
    },
    status: { replicas: 1 },
  };
}

describe('applyIsNoop', () => {
  it('is true when every declared value is live (quantities compared by value) and we own nothing else', () => {
    expect(applyIsNoop(desired, live(), 'gitops', true)).toBe(true);
  });
  it('is false when a declared value differs', () => {
    const changed = { ...desired, spec: { ...(desired.spec as object), replicas: 3 } };
    expect(applyIsNoop(changed, live(), 'gitops', true)).toBe(false);
  });
  it('is false when we own a field the manifest no longer sets (the apply would remove it)', () => {
    const fields = { ...ownedFields, 'f:metadata': { 'f:labels': { 'f:app': {}, 'f:tier': {} } } };
    expect(applyIsNoop(desired, live({ fields }), 'gitops', true)).toBe(false);
  });
  it('is false when we do not manage the object yet, or applied another version', () => {
    expect(applyIsNoop(desired, live({ manager: 'kubectl' }), 'gitops', true)).toBe(false);
    expect(applyIsNoop(desired, live({ apiVersion: 'apps/v1beta2' }), 'gitops', true)).toBe(false);
  });
  it('ignores declared status only where status is a subresource', () => {
    const withStatus = { ...desired, status: { replicas: 7 } };
    expect(applyIsNoop(withStatus, live(), 'gitops', true)).toBe(true);
    expect(applyIsNoop(withStatus, live(), 'gitops', false)).toBe(false);
  });
  it('parses quantities', () => {
    expect(quantity('1000m')).toBe(1);
    expect(quantity('1k')).toBe(1000);
    expect(quantity('1Gi')).toBe(2 ** 30);
    expect(quantity('64Mi')).toBe(64 * 2 ** 20);
    expect(quantity('1e3')).toBe(1000);
    expect(quantity('abc')).toBeUndefined();
  });
});
