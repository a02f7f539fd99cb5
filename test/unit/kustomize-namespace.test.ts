/**
 * kustomize's namespace transformer and what follows a moved object: which kinds it moves, the
 * Namespace object it renames, the role binding subjects and webhook services that name it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll } from './git-helpers.js';
import { build, buildError, find, kustomization } from './kustomize-helpers.js';

afterAll(cleanupAll);

describe('namespace', () => {
  const RBAC = `apiVersion: v1
kind: Namespace
metadata:
  name: placeholder
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read
  namespace: elsewhere
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
  - {kind: ServiceAccount, name: default}
  - {kind: ServiceAccount, name: app, namespace: other}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec: {}
`;

  it('moves namespaced objects (custom ones too), renames a Namespace, leaves cluster-scoped kinds alone', async () => {
    const objects = await build({
      'rbac.yaml': RBAC,
      'kustomization.yaml': kustomization('namespace: team\nresources: [rbac.yaml]\n'),
    });
    expect(objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ['Namespace', 'team', undefined],
      ['ClusterRole', 'reader', undefined],
      ['RoleBinding', 'read', 'team'],
      ['HelmRelease', 'web', 'team'],
    ]);
    // Only the subject named "default" follows (kustomize's default for role binding subjects).
    expect(find(objects, 'RoleBinding', 'read')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'default', namespace: 'team' },
      { kind: 'ServiceAccount', name: 'app', namespace: 'other' },
    ]);
  });

  it('points the subjects and webhook services that name a moved object at its new namespace', async () => {
    const objects = await build({
      'kustomization.yaml': kustomization('namespace: team\nresources: [objects.yaml]\n'),
      'objects.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
apiVersion: v1
kind: Service
metadata:
  name: webhook
spec:
  ports: [{port: 443}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: app}
  - {kind: ServiceAccount, name: unrelated, namespace: elsewhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: app, namespace: default}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: app
webhooks:
  - name: check.example.com
    clientConfig:
      service: {name: webhook, namespace: default, path: /validate}
`,
    });
    expect(find(objects, 'RoleBinding', 'app')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'app', namespace: 'team' },
      { kind: 'ServiceAccount', name: 'unrelated', namespace: 'elsewhere' },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'app')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'app', namespace: 'team' },
    ]);
    expect(find(objects, 'ValidatingWebhookConfiguration', 'app')['webhooks']).toEqual([
      {
        name: 'check.example.com',
        clientConfig: { service: { name: 'webhook', namespace: 'team', path: '/validate' } },
      },
    ]);
  });

  it('refuses a namespace that gives two objects one id', async () => {
    const cm = (ns: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: ${ns}\n`;
    expect(
      await buildError({
        'a.yaml': cm('a'),
        'b.yaml': cm('b'),
        'kustomization.yaml': kustomization('namespace: team\nresources: [a.yaml, b.yaml]\n'),
      }),
    ).toMatch(/namespace "team" gives two objects the id ConfigMap team\/same/);
  });
});
