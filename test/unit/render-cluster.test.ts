// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates use ${param} on purpose
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isGitopsError } from '../../src/primitives/errors.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { commitMessage, renderCluster } from '../../src/integrations/profiles/render.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, spec, writeFiles } from './profiles-helpers.js';

afterAll(cleanupAll);

const ACCOUNT = '123456789012';

/** A folder profile `app` with one manifest; returns its path. */
function appProfile(manifest: string, params = '', extraFiles: Record<string, string> = {}): string {
  const root = tempDir('gitops-prof-');
  const dir = path.join(root, 'app');
  writeFiles(dir, {
    'profile.yaml': profileYaml('app', params),
    'manifests/kustomization.yaml': KUSTOMIZATION('app.yaml'),
    'manifests/app.yaml': manifest,
    ...extraFiles,
  });
  return dir;
}

async function render(dir: string, parameters: Record<string, string | number | boolean> = {}) {
  const profile = await resolveProfile(dir, { env: process.env });
  return renderCluster({ spec: spec({ profile: { source: dir, parameters } }), profile, accountId: ACCOUNT });
}

async function failure(
  p: Promise<unknown>,
): Promise<{ message: string; code: string; exitCode: number; hint?: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  expect(e.message).not.toContain('\n');
  return { message: e.message, code: e.code, exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}) };
}

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: \${namespace}
data:
  cluster: \${cluster}
  where: "\${region}/\${cluster}"
  image: \${ecrRegistry}/\${cluster}/api:\${tag}
  replicas: \${replicas}
  enabled: \${enabled}
  literal: $\${notAParameter}
  github: \${{ secrets.TOKEN }}
  block: |
    account \${accountId}
`;
const PARAMS = `parameters:
  - name: namespace
    default: apps
  - name: tag
    default: "2024-12-09"
  - name: replicas
    type: number
    default: 2
  - name: enabled
    type: boolean
    default: false
`;

describe('renderCluster', () => {
  it('substitutes parameters and built-ins, typed, with YAML-1.1-ambiguous strings quoted', async () => {
    const out = await render(appProfile(CONFIGMAP, PARAMS), { replicas: '3', namespace: 'team-a' });
    const text = out.files['profile/app/app.yaml']!;
    expect(parse(text)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-a' },
      data: {
        cluster: 'research',
        where: 'us-west-2/research',
        image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/research/api:2024-12-09',
        replicas: 3,
        enabled: false,
        literal: '${notAParameter}',
        github: '${{ secrets.TOKEN }}',
        block: 'account 123456789012\n',
      },
    });
    expect(text).toContain('replicas: 3\n');
    expect(out.parameters).toMatchObject({ tag: '2024-12-09', replicas: 3, cluster: 'research' });
    // A YAML 1.1 reader (Helm, kubectl) would read a bare 2024-12-09 as a timestamp.
    const tagged = await render(
      appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  tag: ${tag}\n', PARAMS),
    );
    expect(tagged.files['profile/app/app.yaml']).toContain('tag: "2024-12-09"');
  });

  it('lays out the cluster folder: root kustomization, profile layers, source record, cluster spec', async () => {
    const out = await render(appProfile(CONFIGMAP, PARAMS));
    expect(out.path).toBe('clusters/research');
    expect(Object.keys(out.files)).toEqual([
      'cluster.yaml',
      'kustomization.yaml',
      'profile/app/app.yaml',
      'profile/app/kustomization.yaml',
      'profile/kustomization.yaml',
      'profile/source.yaml',
    ]);
    expect(parse(out.files['kustomization.yaml']!).resources).toEqual(['flux-system', 'profile']);
    expect(parse(out.files['profile/kustomization.yaml']!).resources).toEqual(['app']);
    const source = parse(out.files['profile/source.yaml']!);
    expect(source.source).toMatchObject({ kind: 'folder' });
    expect(source.source.revision).toMatch(/^sha256:/);
    expect(source.chain).toEqual([{ name: 'app', version: '1.0.0' }]);
  });

  it('is deterministic: the same inputs give byte-identical files', async () => {
    const a = renderCluster({
      spec: spec(),
      profile: await resolveProfile('ml', { env: process.env }),
      accountId: ACCOUNT,
    });
    const b = renderCluster({
      spec: spec(),
      profile: await resolveProfile('ml', { env: process.env }),
      accountId: ACCOUNT,
    });
    expect(Buffer.from(JSON.stringify(a.files))).toEqual(Buffer.from(JSON.stringify(b.files)));
    // Map order in the spec does not matter either.
    const c = renderCluster({
      spec: spec({ tags: { team: 'ml', cost: 'research' } }),
      profile: await resolveProfile('ml', { env: process.env }),
      accountId: ACCOUNT,
    });
    const d = renderCluster({
      spec: spec({ tags: { cost: 'research', team: 'ml' } }),
      profile: await resolveProfile('ml', { env: process.env }),
      accountId: ACCOUNT,
    });
    expect(c.files['cluster.yaml']).toBe(d.files['cluster.yaml']);
    expect(c.files['cluster.yaml']).not.toBe(a.files['cluster.yaml']);
  });

  it('writes a cluster.yaml that parses back to the effective spec, ECR names substituted', async () => {
    const profile = await resolveProfile('ml', { env: process.env });
    const out = renderCluster({
      spec: spec({
        nodeGroups: [{ name: 'gpu', instanceTypes: ['g5.12xlarge'], minSize: 0, desiredSize: 0, maxSize: 2 }],
      }),
      profile,
      accountId: ACCOUNT,
    });
    const back = clusterSpecSchema.parse(parse(out.files['cluster.yaml']!));
    expect(back).toEqual(out.spec);
    expect(back.nodeGroups.map((n) => n.name)).toEqual(['system', 'cpu', 'gpu']);
    expect(back.nodeGroups.find((n) => n.name === 'gpu')!.instanceTypes).toEqual(['g5.12xlarge']);
    expect(back.ecrRepositories.map((r) => r.name)).toEqual(['research/notebook', 'research/model-server']);
    expect(back.addons.map((a) => a.name)).toContain('aws-ebs-csi-driver');
    expect(commitMessage('research', profile)).toBe('gitops: bootstrap research with profile ml@1.0.0');
  });

  it('keeps passwords and tokens written into URLs out of the committed files', async () => {
    const out = renderCluster({
      spec: spec({ fleet: { url: 'https://bot:s3cret@git.example.com/fleet.git' } }),
      profile: await resolveProfile('base', { env: process.env }),
      accountId: ACCOUNT,
    });
    expect(JSON.stringify(out.files)).not.toContain('s3cret');
    expect(out.spec.fleet.url).toBe('https://git.example.com/fleet.git');
  });

  it('names the file and line of an unknown parameter', async () => {
    const dir = appProfile(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: ok\n  b: ${nope}\n',
    );
    const e = await failure(render(dir));
    expect(e.message).toMatch(/app\/manifests\/app\.yaml:7: unknown parameter "\$\{nope\}"$/);
    expect(e.exitCode).toBe(2);
  });

  it('names the file and line of a parameter that has no value, and accepts one given in the spec', async () => {
    const dir = appProfile(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  host: "api.${domain}"\n',
      'parameters:\n  - name: domain\n',
    );
    const e = await failure(render(dir));
    expect(e.message).toMatch(/app\.yaml:6: parameter "domain" has no value$/);
    expect(e.hint).toContain('profile.parameters.domain');
    const ok = await render(dir, { domain: 'example.org' });
    expect(parse(ok.files['profile/app/app.yaml']!).data.host).toBe('api.example.org');
  });

  it('refuses a parameter the profile does not declare, and a wrongly typed one', async () => {
    const dir = appProfile(CONFIGMAP, PARAMS);
    expect((await failure(render(dir, { replicaz: 3 }))).message).toBe(
      'profile.parameters.replicaz: profile "app" has no parameter "replicaz"',
    );
    expect((await failure(render(dir, { replicas: 'many' }))).message).toMatch(/replicas: expected a number/);
    expect((await failure(render(dir, { cluster: 'x' }))).message).toMatch(/built-in/);
  });

  it('refuses a malformed reference in a plain-text file, naming the line', async () => {
    const dir = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', '', {
      'templates/run.sh': 'echo one\necho ${1:-x}\n',
    });
    expect((await failure(render(dir))).message).toMatch(
      /app\/templates\/run\.sh:2: "\$\{1:-x\}" is not a parameter reference/,
    );
  });

  it('checks that every manifest document is a Kubernetes object', async () => {
    const cases: [string, RegExp][] = [
      ['- just\n- a list\n', /app\.yaml:1: expected a Kubernetes object \(a mapping\), got a list/],
      ['plain string\n', /app\.yaml:1: expected a Kubernetes object/],
      ['kind: ConfigMap\nmetadata:\n  name: x\n', /app\.yaml:1: object has no apiVersion/],
      ['apiVersion: v1\nmetadata:\n  name: x\n', /app\.yaml:1: object has no kind/],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /ConfigMap has no metadata\.name/],
      [
        'apiVersion: v1\nkind: A\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: B\n',
        /app\.yaml:6: B has no metadata\.name/,
      ],
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n',
        /app\.yaml:5: invalid YAML: duplicate key/,
      ],
    ];
    for (const [manifest, expected] of cases) {
      expect((await failure(render(appProfile(manifest)))).message).toMatch(expected);
    }
  });

  it('stops YAML alias bombs and huge files', async () => {
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: x',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '',
    ].join('\n');
    expect((await failure(render(appProfile(bomb)))).message).toMatch(/alias/);
    const huge = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "${'x'.repeat(1024 * 1024 + 10)}"\n`;
    expect((await failure(resolveProfile(appProfile(huge), { env: process.env }))).message).toMatch(
      /too large/,
    );
  });

  it('refuses objects declared twice across layers', async () => {
    const root = tempDir('gitops-prof-');
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: x\n';
    writeFiles(root, {
      'lower/profile.yaml': profileYaml('lower'),
      'lower/manifests/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
      'lower/manifests/cm.yaml': cm,
      'upper/profile.yaml': profileYaml('upper', 'includes: [lower]\n'),
      'upper/manifests/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
      'upper/manifests/cm.yaml': cm,
    });
    expect((await failure(render(path.join(root, 'upper')))).message).toMatch(
      /ConfigMap x\/same is declared twice: .*lower\/manifests\/cm\.yaml:1 and .*upper\/manifests\/cm\.yaml:1/,
    );
  });
});

describe('profile folder safety', () => {
  it('refuses kustomization references that escape the profile or are remote', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';
    const cases: [string, RegExp][] = [
      [
        KUSTOMIZATION('../../../etc/passwd'),
        /resources\[0\]: path "..\/..\/..\/etc\/passwd" escapes the profile folder/,
      ],
      [KUSTOMIZATION('/etc/passwd'), /resources\[0\]: absolute path "\/etc\/passwd" is not allowed/],
      [KUSTOMIZATION('github.com/acme/evil//base?ref=main'), /remote resource .* is not allowed/],
      [KUSTOMIZATION('https://example.com/x.yaml'), /remote resource .* is not allowed/],
      [KUSTOMIZATION('missing.yaml'), /"missing.yaml" is not a file or kustomization folder of the profile/],
      [
        `${KUSTOMIZATION('app.yaml')}configMapGenerator:\n  - name: x\n    files: [/root/.ssh/id_rsa]\n`,
        /field "configMapGenerator" is not supported/,
      ],
    ];
    for (const [kustomization, expected] of cases) {
      const dir = appProfile(cm, '', { 'manifests/kustomization.yaml': kustomization });
      expect((await failure(render(dir))).message).toMatch(expected);
    }
  });

  it('refuses symlinks in the profile, pointing out or in', async () => {
    const outside = tempDir('gitops-outside-');
    writeFileSync(
      path.join(outside, 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n',
    );
    const linkOut = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(linkOut, 'manifests', 'secret.yaml'));
    expect((await failure(resolveProfile(linkOut, { env: process.env }))).message).toMatch(
      /"secret.yaml" is a symlink; profiles may not contain symlinks/,
    );

    const dirLink = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    symlinkSync(outside, path.join(dirLink, 'templates'));
    expect((await failure(resolveProfile(dirLink, { env: process.env }))).message).toMatch(
      /templates: must be a plain folder/,
    );

    const yamlLink = tempDir('gitops-prof-');
    writeFileSync(path.join(outside, 'profile.yaml'), profileYaml('evil'));
    symlinkSync(path.join(outside, 'profile.yaml'), path.join(yamlLink, 'profile.yaml'));
    expect((await failure(resolveProfile(yamlLink, { env: process.env }))).message).toMatch(
      /symlink pointing outside the profile folder/,
    );
  });

  it('detects include cycles, naming the chain', async () => {
    const root = tempDir('gitops-prof-');
    writeFiles(root, {
      'a/profile.yaml': profileYaml('a', 'includes: [b]\n'),
      'b/profile.yaml': profileYaml('b', 'includes: [c]\n'),
      'c/profile.yaml': profileYaml('c', 'includes: [a]\n'),
      'self/profile.yaml': profileYaml('self', 'includes: [self]\n'),
    });
    const e = await failure(resolveProfile(path.join(root, 'a'), { env: process.env }));
    expect(e.message).toBe('include cycle: a -> b -> c -> a');
    expect(e.exitCode).toBe(2);
    expect((await failure(resolveProfile(path.join(root, 'self'), { env: process.env }))).message).toBe(
      'include cycle: self -> self',
    );
  });

  it('resolves includes next to the profile first, then from the bundled catalog, merging by name', async () => {
    const root = tempDir('gitops-prof-');
    writeFiles(root, {
      'shared/profile.yaml': profileYaml(
        'shared',
        'includes: [base]\naddons:\n  - name: aws-ebs-csi-driver\nnodeGroups:\n  - name: system\n    instanceTypes: [t3.large]\n    minSize: 1\n    desiredSize: 1\n    maxSize: 2\n',
      ),
      'team/profile.yaml': profileYaml('team', 'includes: [shared]\n'),
    });
    const r = await resolveProfile(path.join(root, 'team'), { env: process.env });
    expect(r.chain).toEqual(['base', 'shared', 'team']);
    expect(r.profile.nodeGroups.find((n) => n.name === 'system')!.instanceTypes).toEqual(['t3.large']);
    expect(r.profile.addons.map((a) => a.name)).toContain('aws-ebs-csi-driver');
    const e = await failure(resolveProfile(appProfileWithInclude('nope-profile'), { env: process.env }));
    expect(e.message).toMatch(/included profile "nope-profile" not found/);
  });

  it('names a folder without profile.yaml and invalid profile fields', async () => {
    const empty = tempDir('gitops-prof-');
    expect((await failure(resolveProfile(empty, { env: process.env }))).message).toMatch(
      /no profile\.yaml in this folder/,
    );
    const bad = tempDir('gitops-prof-');
    writeFiles(bad, {
      'profile.yaml': `${profileYaml('bad')}nodeGroups:\n  - name: x\n    instanceTypes: []\n    minSize: 1\n    desiredSize: 1\n    maxSize: 1\n`,
    });
    expect((await failure(resolveProfile(bad, { env: process.env }))).message).toMatch(
      /profile\.yaml:8: nodeGroups\[0\]\.instanceTypes: expected a non-empty list/,
    );
    expect(
      (await failure(resolveProfile(path.join(empty, 'missing'), { env: process.env }))).message,
    ).toMatch(/does not exist/);
  });
});

function appProfileWithInclude(include: string): string {
  const root = tempDir('gitops-prof-');
  writeFiles(root, { 'x/profile.yaml': profileYaml('x', `includes: [${include}]\n`) });
  return path.join(root, 'x');
}
