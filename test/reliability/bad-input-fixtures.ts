/**
 * Malformed inputs for the bad-input corpus (test/e2e/bad-input-corpus.test.ts): broken copies
 * of the tiny profile, broken cluster spec files, a corrupt kubeconfig, and servers that hand
 * out altered Flux manifests. Everything is written under one temporary folder.
 */
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TINY_PROFILE } from './support.js';

/** A "billion laughs" document: 9 levels of 9 aliases each expand to 9^9 nodes. */
export function aliasBomb(key: string): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++) {
    const refs = Array.from({ length: 9 }, () => `*a${i - 1}`).join(',');
    lines.push(`a${i}: &a${i} [${refs}]`);
  }
  lines.push(`${key}: *a9`);
  return `${lines.join('\n')}\n`;
}

/** A little over the 1 MiB limit, in comments (valid YAML otherwise). */
export function huge(body: string): string {
  const line = `# ${'x'.repeat(98)}\n`;
  return body + line.repeat(Math.ceil((1024 * 1024 + 1) / line.length));
}

const PROFILE_YAML = `apiVersion: gitops.dev/v1alpha1
kind: Profile
name: tiny
description: broken on purpose
version: 1.0.0
nodeGroups:
  - name: main
    instanceTypes: [m6i.large]
    minSize: 1
    desiredSize: 1
    maxSize: 2
`;

/** Each broken profile: a copy of the tiny one with one thing wrong. */
export const BROKEN_PROFILES: Record<string, (dir: string) => void> = {
  'profile-invalid-yaml': (d) => writeFileSync(join(d, 'profile.yaml'), 'name: [tiny\ndescription: x\n'),
  'profile-wrong-type': (d) =>
    writeFileSync(join(d, 'profile.yaml'), `${PROFILE_YAML}ecrRepositories: many\n`),
  'profile-alias-bomb': (d) =>
    writeFileSync(join(d, 'profile.yaml'), `${PROFILE_YAML}${aliasBomb('x-bomb')}`),
  'profile-huge': (d) => writeFileSync(join(d, 'profile.yaml'), huge(PROFILE_YAML)),
  'profile-duplicate-keys': (d) => writeFileSync(join(d, 'profile.yaml'), `${PROFILE_YAML}name: other\n`),
  'profile-unknown-field': (d) => writeFileSync(join(d, 'profile.yaml'), `${PROFILE_YAML}nodegroups: []\n`),
  'profile-include-cycle': (d) =>
    writeFileSync(
      join(d, 'profile.yaml'),
      PROFILE_YAML.replace('version: 1.0.0', 'version: 1.0.0\nincludes: [tiny]'),
    ),
  'manifest-not-an-object': (d) => writeFileSync(join(d, 'manifests', 'app.yaml'), 'just a string\n'),
  'manifest-missing-kind': (d) =>
    writeFileSync(join(d, 'manifests', 'app.yaml'), 'apiVersion: v1\nmetadata:\n  name: x\n'),
  'manifest-unknown-parameter': (d) =>
    writeFileSync(
      join(d, 'manifests', 'app.yaml'),
      // A profile parameter reference, written out literally (not a template string).
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  v: $' + '{nosuchparameter}\n',
    ),
  'manifest-path-escape': (d) =>
    writeFileSync(
      join(d, 'manifests', 'kustomization.yaml'),
      'resources:\n  - ../../../../../../etc/hosts\n',
    ),
  'manifest-absolute-path': (d) =>
    writeFileSync(join(d, 'manifests', 'kustomization.yaml'), 'resources:\n  - /etc/hosts\n'),
  'manifest-remote-resource': (d) =>
    writeFileSync(
      join(d, 'manifests', 'kustomization.yaml'),
      'resources:\n  - https://example.com/evil/deploy.yaml\n',
    ),
  'manifest-symlink-out': (d) => {
    rmSync(join(d, 'manifests', 'app.yaml'));
    symlinkSync('/etc/hosts', join(d, 'manifests', 'app.yaml'));
  },
  'manifest-symlinked-folder': (d) => {
    symlinkSync('/etc', join(d, 'manifests', 'more'));
    writeFileSync(join(d, 'manifests', 'kustomization.yaml'), 'resources:\n  - app.yaml\n  - more/hosts\n');
  },
};

export function writeBrokenProfiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, breakIt] of Object.entries(BROKEN_PROFILES)) {
    const dir = join(root, 'profiles', name);
    cpSync(TINY_PROFILE, dir, { recursive: true });
    breakIt(dir);
    out[name] = dir;
  }
  return out;
}

const SPEC_OK = 'network:\n  availabilityZones: 2\n';

/** Broken cluster spec files (gitops.yaml), given with --config. */
export const BROKEN_CONFIGS: Record<string, string> = {
  'config-invalid-yaml': 'name: [x\n',
  'config-wrong-type': `${SPEC_OK}kubernetesVersion: 1.31\n`,
  'config-unknown-field': `${SPEC_OK}nodegroups: []\n`,
  'config-alias-bomb': `${SPEC_OK}${aliasBomb('x-bomb')}`,
  'config-huge': huge(SPEC_OK),
  'config-duplicate-keys': `${SPEC_OK}network:\n  availabilityZones: 3\n`,
  'config-node-group-sizes': `${SPEC_OK}nodeGroups:\n  - name: big\n    instanceTypes: [m6i.large]\n    minSize: 1\n    desiredSize: 5\n    maxSize: 2\n`,
  'config-vpc-cidr': 'network:\n  vpcCidr: 10.0.0.0/8\n',
};

export function writeBrokenConfigs(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  mkdirSync(join(root, 'configs'), { recursive: true });
  for (const [name, text] of Object.entries(BROKEN_CONFIGS)) {
    const file = join(root, 'configs', `${name}.yaml`);
    writeFileSync(file, text);
    out[name] = file;
  }
  return out;
}

/** Serves `v<version>/install.yaml` with whatever text it is given (an altered release). */
export async function alteredReleaseServer(text: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (/^\/v[\d.]+\/install\.yaml$/.test(req.url ?? '')) res.writeHead(200).end(text);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
