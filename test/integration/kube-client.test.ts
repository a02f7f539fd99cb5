import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { kubeClientForEks, kubeClientFromKubeconfig } from '../../src/integrations/kube/client.js';

const kube = inject('kube');
const caData = () => readFileSync(kube.caFile).toString('base64');

describe('Kubernetes client construction', () => {
  it('connects to an EKS-style endpoint with a token provider, reusing the token until near expiry', async () => {
    let calls = 0;
    let now = Date.now();
    const client = kubeClientForEks({
      endpoint: kube.url.replace(/^https:\/\//, ''),
      caData: caData(),
      token: async () => {
        calls++;
        return { token: kube.token, expiresAt: new Date(now + 15 * 60_000) };
      },
      now: () => now,
    });
    try {
      expect(await client.ready()).toBe(true);
      await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
      expect(calls).toBe(1);
      now += 14 * 60_000 + 30_000; // 30 s before expiry: inside the refresh margin
      await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
      expect(calls).toBe(2);
    } finally {
      client.close();
    }
  });

  it('asks for a new token once when the server rejects the current one', async () => {
    const tokens = ['expired-token', kube.token];
    const client = kubeClientForEks({
      endpoint: kube.url,
      caData: caData(),
      token: async () => ({ token: tokens.shift() ?? kube.token, expiresAt: new Date(Date.now() + 900_000) }),
    });
    try {
      expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' })).toBeDefined();
      expect(tokens).toHaveLength(0);
    } finally {
      client.close();
    }
  });

  it('runs an exec credential plugin (as EKS kubeconfigs use) through client-node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-kubeconfig-exec-'));
    const plugin = join(dir, 'get-token.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' "$TESTENV_TOKEN"\n`,
      { mode: 0o700 },
    );
    writeFileSync(
      join(dir, 'config'),
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: eks',
        'clusters:',
        '- name: eks',
        '  cluster:',
        `    server: ${kube.url}`,
        `    certificate-authority-data: ${caData()}`,
        'users:',
        '- name: eks',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        `      command: ${plugin}`,
        '      env: [{name: TESTENV_TOKEN, value: ' + JSON.stringify(kube.token) + '}]',
        'contexts:',
        '- name: eks',
        '  context: {cluster: eks, user: eks}',
        '',
      ].join('\n'),
    );
    const client = await kubeClientFromKubeconfig({ env: process.env, path: join(dir, 'config') });
    try {
      expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' })).toBeDefined();
    } finally {
      client.close();
    }
  });

  it('reads a kubeconfig with relative CA and token files, and picks a context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-kubeconfig-'));
    writeFileSync(join(dir, 'ca.crt'), readFileSync(kube.caFile));
    writeFileSync(join(dir, 'token'), `${kube.token}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'config'),
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: broken',
        'clusters:',
        '- name: local',
        '  cluster:',
        `    server: ${kube.url}`,
        '    certificate-authority: ca.crt',
        'users:',
        '- name: reader',
        '  user:',
        '    tokenFile: token',
        'contexts:',
        '- name: broken',
        '  context: {cluster: nowhere, user: reader}',
        '- name: local',
        '  context: {cluster: local, user: reader, namespace: team-a}',
        '',
      ].join('\n'),
    );
    const client = await kubeClientFromKubeconfig({
      env: process.env,
      path: join(dir, 'config'),
      context: 'local',
    });
    try {
      expect(client.context).toBe('local');
      expect(client.namespace).toBe('team-a');
      expect(await client.ready()).toBe(true);
    } finally {
      client.close();
    }
    await expect(kubeClientFromKubeconfig({ env: process.env, path: join(dir, 'config') })).rejects.toThrow(
      /unknown cluster "nowhere"/,
    );
    await expect(
      kubeClientFromKubeconfig({ env: process.env, path: join(dir, 'config'), context: 'prod' }),
    ).rejects.toThrow(/context "prod" is not in the kubeconfig.*/);
  });
});

describe('discovery of the version a group serves a kind in', () => {
  // groupsAtOnce (status): every group from one read of /apis, with the same answers as one
  // read per group.
  it.each([
    { groupsAtOnce: false, groupReads: ['/apis/apps', '/apis/autoscaling', '/apis/nothing.gitops.dev'] },
    { groupsAtOnce: true, groupReads: ['/apis'] },
  ])(
    "follows the server's preferred version, then the others, and knows a group it does not serve (groupsAtOnce: $groupsAtOnce)",
    async ({ groupsAtOnce, groupReads }) => {
      const client = kubeClientForEks({
        endpoint: kube.url,
        caData: caData(),
        token: async () => ({ token: kube.token, expiresAt: new Date(Date.now() + 900_000) }),
        maxSockets: 1,
        groupsAtOnce,
      });
      const paths: string[] = [];
      const request = client.http.request.bind(client.http);
      client.http.request = (r) => {
        paths.push(r.path);
        return request(r);
      };
      try {
        const versions = await client.discovery.groupVersions('autoscaling');
        // The 1.20 apiserver prefers autoscaling/v1 and still serves v2beta1 and v2beta2.
        expect(versions[0]).toBe('v1');
        expect(versions).toEqual(expect.arrayContaining(['v2beta1', 'v2beta2']));
        expect(await client.discovery.servedVersion('autoscaling', 'HorizontalPodAutoscaler')).toBe('v1');
        expect(await client.discovery.servedVersion('apps', 'Deployment')).toBe('v1');
        expect(await client.discovery.servedVersion('apps', 'NoSuchKind')).toBeUndefined();
        expect(await client.discovery.groupVersions('nothing.gitops.dev')).toEqual([]);
        expect(await client.discovery.servedVersion('nothing.gitops.dev', 'Widget')).toBeUndefined();
        // The group documents read, beside the version documents both ways read alike.
        expect(paths.filter((p) => /^\/apis(\/[^/]+)?$/.test(p)).sort()).toEqual(groupReads);
        expect(paths.filter((p) => /^\/apis\/[^/]+\/[^/]+$/.test(p)).sort()).toEqual([
          '/apis/apps/v1',
          '/apis/autoscaling/v1',
        ]);
      } finally {
        client.close();
      }
    },
  );
});
