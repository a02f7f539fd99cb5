import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { readinessOf, revisionMatches } from '../../src/integrations/kube/readiness.js';

const deploy = (generation: number, status: Record<string, unknown>, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'n', generation },
  spec: { replicas },
  status,
});

const flux = (kind: string, generation: number, status: Record<string, unknown>): KubeObject => ({
  apiVersion: kind === 'Kustomization' ? 'kustomize.toolkit.fluxcd.io/v1' : 'source.toolkit.fluxcd.io/v1',
  kind,
  metadata: { name: 'x', namespace: 'flux-system', generation },
  status,
});

const ready = (status: string, reason: string, observedGeneration?: number, message = '') => ({
  conditions: [
    {
      type: 'Ready',
      status,
      reason,
      message,
      ...(observedGeneration === undefined ? {} : { observedGeneration }),
    },
  ],
});

describe('readinessOf', () => {
  it('Deployment: current generation, updated and available replicas', () => {
    expect(
      readinessOf(deploy(3, { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 })).ready,
    ).toBe(false);
    expect(
      readinessOf(
        deploy(3, { observedGeneration: 3, updatedReplicas: 1, availableReplicas: 2, replicas: 2 }),
      ),
    ).toEqual({
      ready: false,
      reason: '1/2 replicas updated',
    });
    expect(
      readinessOf(
        deploy(3, { observedGeneration: 3, updatedReplicas: 2, availableReplicas: 1, replicas: 2 }),
      ),
    ).toEqual({
      ready: false,
      reason: '1/2 available',
    });
    expect(
      readinessOf(deploy(3, { observedGeneration: 3, updatedReplicas: 2, availableReplicas: 2, replicas: 3 }))
        .reason,
    ).toBe('1 old replicas still running');
    expect(
      readinessOf(deploy(3, { observedGeneration: 3, updatedReplicas: 2, availableReplicas: 2, replicas: 2 }))
        .ready,
    ).toBe(true);
    const stuck = readinessOf(
      deploy(1, {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'took too long',
          },
        ],
      }),
    );
    expect(stuck).toMatchObject({ ready: false, failed: true });
  });

  it('CRD Established, Namespace Active, anything else by existence', () => {
    const crd = (status: string): KubeObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'a.b' },
      status: { conditions: [{ type: 'Established', status }] },
    });
    expect(readinessOf(crd('True')).ready).toBe(true);
    expect(readinessOf(crd('False')).ready).toBe(false);
    expect(
      readinessOf({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'n' },
        status: { phase: 'Active' },
      }).ready,
    ).toBe(true);
    expect(
      readinessOf({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'n' },
        status: { phase: 'Terminating' },
      }).ready,
    ).toBe(false);
    expect(readinessOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).ready).toBe(true);
  });

  it('Flux: Ready for the current generation; reasons surface; Stalled fails', () => {
    expect(
      readinessOf(flux('GitRepository', 2, { observedGeneration: 1, ...ready('True', 'Succeeded', 1) }))
        .reason,
    ).toBe('status is for generation 1, the object is at generation 2');
    // status.observedGeneration current but the Ready condition itself is stale
    expect(
      readinessOf(flux('GitRepository', 2, { observedGeneration: 2, ...ready('True', 'Succeeded', 1) }))
        .ready,
    ).toBe(false);
    expect(
      readinessOf(
        flux('GitRepository', 2, {
          observedGeneration: 2,
          ...ready('False', 'GitOperationFailed', 2, 'auth failed'),
        }),
      ),
    ).toEqual({
      ready: false,
      reason: 'Ready=False: GitOperationFailed: auth failed',
    });
    expect(
      readinessOf(
        flux('GitRepository', 2, { observedGeneration: 2, ...ready('True', 'Succeeded', 2, 'stored') }),
      ),
    ).toEqual({
      ready: true,
      reason: 'Succeeded: stored',
    });
    const stalled = flux('Kustomization', 1, {
      observedGeneration: 1,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'InvalidPath', observedGeneration: 1 },
        {
          type: 'Stalled',
          status: 'True',
          reason: 'InvalidPath',
          message: 'no such dir',
          observedGeneration: 1,
        },
      ],
    });
    expect(readinessOf(stalled)).toMatchObject({
      ready: false,
      failed: true,
      reason: 'Stalled: InvalidPath: no such dir',
    });
  });

  it('Flux: a failed reconciliation reads by the Ready condition, not the stale status.observedGeneration', () => {
    // kustomize-controller moves status.observedGeneration only on success: after a failure it
    // stays at -1 (or the last good generation) while Ready is current and says why.
    const failed = flux('Kustomization', 2, {
      observedGeneration: -1,
      ...ready(
        'False',
        'ReconciliationFailed',
        2,
        'MetricTemplate/api/x dry-run failed: no matches for kind',
      ),
    });
    const r = readinessOf(failed);
    expect(r.ready).toBe(false);
    expect(r.reason).toBe(
      'Ready=False: ReconciliationFailed: MetricTemplate/api/x dry-run failed: no matches for kind',
    );
    // A Ready condition stamped for an older generation is still not believed.
    expect(readinessOf(flux('Kustomization', 3, ready('True', 'ReconciliationSucceeded', 2))).reason).toBe(
      'status is for generation 2, the object is at generation 3',
    );
  });

  it('Kustomization and GitRepository at an expected revision', () => {
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const ks = (applied: string) =>
      flux('Kustomization', 1, {
        observedGeneration: 1,
        lastAppliedRevision: applied,
        ...ready('True', 'Succeeded', 1),
      });
    expect(readinessOf(ks(`main@sha1:${sha}`), { revision: sha }).ready).toBe(true);
    expect(readinessOf(ks('main@sha1:ffffffffffffffffffffffffffffffffffffffff'), { revision: sha })).toEqual({
      ready: false,
      reason: `applied revision main@sha1:ffffffffffffffffffffffffffffffffffffffff, waiting for ${sha.slice(0, 12)}`,
    });
    const repo = flux('GitRepository', 1, {
      observedGeneration: 1,
      artifact: { revision: `main/${sha}` },
      ...ready('True', 'Succeeded', 1),
    });
    expect(readinessOf(repo, { revision: sha.slice(0, 7) }).ready).toBe(true);
  });

  it('revisionMatches knows Flux revision formats', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(revisionMatches(`main@sha1:${sha}`, sha)).toBe(true);
    expect(revisionMatches(`sha1:${sha}`, sha.slice(0, 10))).toBe(true);
    expect(revisionMatches(`main/${sha}`, `main@sha1:${sha}`)).toBe(true);
    expect(revisionMatches(`main@sha1:${sha}`, sha.slice(0, 5))).toBe(false);
    expect(revisionMatches('main@sha1:fedcba9876543210', sha)).toBe(false);
  });
});
