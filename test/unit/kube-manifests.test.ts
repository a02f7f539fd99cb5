import { describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { documentAt, parseManifests } from '../../src/integrations/kube/manifests.js';

const catchError = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('parseManifests', () => {
  it('reads every object of a multi-document file and skips empty documents', () => {
    const text = [
      '# leading comment',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a}',
      'data: {mode: on, date: 2024-01-01, n: "3"}',
      '---',
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - {apiVersion: v1, kind: Secret, metadata: {name: s}}',
      '  - {apiVersion: v1, kind: Service, metadata: {name: svc}}',
      '',
    ].join('\n');
    const objects = parseManifests(text, 'app.yaml');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/a',
      'Secret/s',
      'Service/svc',
    ]);
    // YAML 1.2: `on` and dates stay strings, as Flux reads them.
    expect(objects[0]!.data).toEqual({ mode: 'on', date: '2024-01-01', n: '3' });
  });

  it('names the file and the document of something that is not an object', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n';
    const e = catchError(() => parseManifests(text, 'bad.yaml'));
    expect(isGitopsError(e) && e.code).toBe('GITOPS_BAD_INPUT');
    expect(e.message).toBe('bad.yaml document 2: expected a Kubernetes object (a mapping), found a list');
    expect(catchError(() => parseManifests('---\n---\nhello\n', 'x.yaml')).message).toContain(
      'x.yaml document 2: expected a Kubernetes object (a mapping), found a string',
    );
  });

  it('names what an object lacks', () => {
    const e = catchError(() => parseManifests('---\nkind: Deployment\nmetadata: {}\n', 'd.yaml'));
    expect(e.message).toBe('d.yaml document 1 (Deployment): missing apiVersion, metadata.name');
  });

  it('names the document and line of invalid YAML', () => {
    const text =
      'apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [B\nmetadata: {name: b}\n';
    const e = catchError(() => parseManifests(text, 'broken.yaml'));
    expect(e.message).toMatch(/^broken\.yaml document 2: invalid YAML at line \d+/);
  });

  it('counts documents as the parser does', () => {
    expect(documentAt('a: 1\n---\nb: 2\n', 2)).toBe(2);
    expect(documentAt('# c\n---\nb: 2\n', 2)).toBe(1);
    expect(documentAt('a: 1\n', 0)).toBe(1);
  });
});
