import { describe, expect, it } from 'vitest';
import { describeApplyError } from '../../src/integrations/kube/apply-errors.js';
import { KubeApiError } from '../../src/integrations/kube/http.js';

const ref = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'ns', name: 'w' };

describe('describeApplyError', () => {
  it('names object and field from a validation error (422 causes)', () => {
    const e = new KubeApiError('PATCH', '/x', 422, {
      kind: 'Status',
      message:
        'Widget.example.com "w" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      reason: 'Invalid',
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "string": spec.size in body must be of type integer: "string"',
            field: 'spec.size',
          },
        ],
      },
    });
    const { error, failure } = describeApplyError(e, ref);
    expect(error.fault).toBe('user');
    expect(failure.field).toBe('spec.size');
    expect(error.message).toBe(
      'Widget ns/w was rejected: field spec.size: invalid value "string": spec.size in body must be of type integer: "string"',
    );
  });
  it('names object and field from a server-side apply typed-patch error', () => {
    const e = new KubeApiError('PATCH', '/x', 500, {
      message: 'failed to create typed patch object: .spec.replicaz: field not declared in schema',
    });
    const { error, failure } = describeApplyError(e, { ...ref, kind: 'Deployment', apiVersion: 'apps/v1' });
    expect(failure.field).toBe('spec.replicaz');
    expect(error.message).toBe(
      'Deployment ns/w was rejected: field spec.replicaz: field not declared in schema',
    );
  });
  it('reports conflicts with the other manager', () => {
    const e = new KubeApiError('PATCH', '/x', 409, {
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit": .data.k',
      reason: 'Conflict',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit"', field: '.data.k' },
        ],
      },
    });
    const { error } = describeApplyError(e, ref);
    expect(error.code).toBe('GITOPS_CONFLICT');
    expect(error.message).toContain('conflict with "kubectl-edit"');
  });
  it('treats server failures as the system side', () => {
    const { error } = describeApplyError(
      new KubeApiError('PATCH', '/x', 503, { message: 'etcd is down' }),
      ref,
    );
    expect(error.fault).toBe('system');
    expect(error.message).toBe('cannot apply Widget ns/w: etcd is down');
  });
});
