// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates use ${param} on purpose
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isGitopsError } from '../../src/primitives/errors.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { commitMessage, renderCluster } from '../../src/integrations/profiles/render.js';
import { FLUX } from '../support/flux-kinds.js';
import { cleanupAll, tempDir } from './git-helpers.js';
import { KUSTOMIZATION, profileYaml, spec, writeFiles } from './profiles-helpers.js';
import { bundledVersion } from '../support/bundled-profiles.js';

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
  return renderCluster({
    spec: spec({ profile: { source: dir, parameters } }),
    profile,
    accountId: ACCOUNT,
    reconciler: FLUX,
  });
}

const SHARED = 'profiles/app/1.0.0';
/** The shared copy of a file of the app profile's apps layer. */
function shared(out: Awaited<ReturnType<typeof render>>, rel: string): string {
  const s = out.shared.find((x) => x.name === 'app')!;
  return s.files[`apps/${rel}`]!;
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
  tag: \${tag}
  replicas: \${replicas}
  enabled: \${enabled}
  literal: $\${notAParameter}
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
  it('copies the profile once, unsubstituted, and gives the cluster its values', async () => {
    const out = await render(appProfile(CONFIGMAP, PARAMS), { replicas: '3', namespace: 'team-a' });
    // The shared copy keeps ${...}: Flux substitutes per cluster.
    expect(shared(out, 'app.yaml')).toContain(CONFIGMAP);
    expect(shared(out, 'app.yaml').split('\n')[0]).toMatch(/^# Profile app 1\.0\.0, shared by every cluster/);
    expect(out.values.data).toMatchObject({
      cluster: 'research',
      region: 'us-west-2',
      accountId: ACCOUNT,
      ecrRegistry: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`,
      namespace: 'team-a',
      tag: '2024-12-09',
      replicas: '3',
      enabled: 'false',
      quote: '"',
    });
    expect(out.values.profile).toEqual({ name: 'app', version: '1.0.0' });
    expect(out.parameters).toMatchObject({ tag: '2024-12-09', replicas: 3, cluster: 'research' });
  });

  it('lays out the shared copy, the cluster files and the team overlays', async () => {
    const out = await render(appProfile(CONFIGMAP, PARAMS));
    expect(out.path).toBe('clusters/research');
    expect(out.shared.map((s) => [s.folder, Object.keys(s.files), s.layers])).toEqual([
      [SHARED, ['apps/app.yaml', 'apps/kustomization.yaml', 'source.yaml'], ['apps']],
    ]);
    const record = parse(out.shared[0]!.files['source.yaml']!);
    expect(record).toMatchObject({ kind: 'ProfileVersion', name: 'app', version: '1.0.0', layers: ['apps'] });
    expect(record.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.source).toMatchObject({ kind: 'folder' });
    expect(Object.keys(out.files)).toEqual(['cluster.yaml']);
    expect(Object.keys(out.teamFiles)).toEqual([
      'apps/kustomization.yaml',
      'configs/kustomization.yaml',
      'controllers/kustomization.yaml',
    ]);
    expect(parse(out.teamFiles['apps/kustomization.yaml']!).resources).toEqual([`../../../${SHARED}/apps`]);
    expect(parse(out.teamFiles['controllers/kustomization.yaml']!).resources).toEqual([]);
    expect(out.layers).toEqual([
      { name: 'controllers', path: 'clusters/research/controllers' },
      { name: 'configs', path: 'clusters/research/configs' },
      { name: 'apps', path: 'clusters/research/apps' },
    ]);
  });

  it('is deterministic: the same inputs give byte-identical files', async () => {
    const once = async (tags?: Record<string, string>) =>
      renderCluster({
        spec: spec(tags ? { tags } : {}),
        profile: await resolveProfile('ml', { env: process.env }),
        accountId: ACCOUNT,
        reconciler: FLUX,
      });
    const a = await once();
    const b = await once();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    // Map order in the spec does not matter either.
    const c = await once({ team: 'ml', cost: 'research' });
    const d = await once({ cost: 'research', team: 'ml' });
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
      reconciler: FLUX,
    });
    const back = clusterSpecSchema.parse(parse(out.files['cluster.yaml']!));
    expect(back).toEqual(out.spec);
    expect(back.nodeGroups.map((n) => n.name)).toEqual(['system', 'cpu', 'gpu']);
    expect(back.nodeGroups.find((n) => n.name === 'gpu')!.instanceTypes).toEqual(['g5.12xlarge']);
    expect(back.ecrRepositories.map((r) => r.name)).toEqual(['research/notebook', 'research/model-server']);
    expect(back.addons.map((a) => a.name)).toContain('aws-ebs-csi-driver');
    expect(commitMessage('research', profile)).toBe(
      `gitops: bootstrap research with profile ml@${bundledVersion('ml')}`,
    );
  });

  it('keeps passwords and tokens written into URLs out of the committed files', async () => {
    const out = renderCluster({
      spec: spec({ fleet: { url: 'https://bot:s3cret@git.example.com/fleet.git' } }),
      profile: await resolveProfile('base', { env: process.env }),
      accountId: ACCOUNT,
      reconciler: FLUX,
    });
    expect(JSON.stringify(out)).not.toContain('s3cret');
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

  it('names a parameter that has no value, and accepts one given in the spec', async () => {
    const dir = appProfile(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  host: "api.${domain}"\n',
      'parameters:\n  - name: domain\n',
    );
    const e = await failure(render(dir));
    expect(e.message).toMatch(/parameter "domain" has no value$/);
    expect(e.hint).toContain('profile.parameters.domain');
    const ok = await render(dir, { domain: 'example.org' });
    expect(ok.values.data['domain']).toBe('example.org');
  });

  it('refuses a parameter the profile does not declare, and a wrongly typed one', async () => {
    const dir = appProfile(CONFIGMAP, PARAMS);
    expect((await failure(render(dir, { replicaz: 3 }))).message).toBe(
      'profile.parameters.replicaz: profile "app" has no parameter "replicaz"',
    );
    expect((await failure(render(dir, { replicas: 'many' }))).message).toMatch(/replicas: expected a number/);
    expect((await failure(render(dir, { cluster: 'x' }))).message).toMatch(/built-in/);
    expect((await failure(render(dir, { quote: 'x' }))).message).toMatch(/built-in/);
  });

  it('refuses values that Flux would read as something else, and takes them ${quote}d', async () => {
    const cm = (value: string) =>
      appProfile(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  v: ${value}\n`, PARAMS);
    // A date stays a string in Flux's reader; a version that looks like a number does not.
    await render(cm('${tag}'));
    const e = await failure(render(cm('${tag}'), { tag: '1.10' }));
    expect(e.message).toMatch(
      /app\.yaml:6: \$\{tag\} is "1\.10" for cluster research, and Flux would read "1\.10" as the number 1\.1$/,
    );
    expect(e.hint).toContain('${quote}${tag}${quote}');
    await render(cm('${quote}${tag}${quote}'), { tag: '1.10' });
    for (const [value, why] of [
      ['yes', /as the boolean true/],
      ['a: b', /as broken YAML/],
      ['~', /as null/],
      ['0o17', /as the number 15/],
    ] as const) {
      expect((await failure(render(cm('${tag}'), { tag: value }))).message).toMatch(why);
    }
    expect((await failure(render(cm('${quote}${tag}${quote}'), { tag: 'say "hi"' }))).message).toMatch(
      /a double quote or backslash in it ends the quoted string/,
    );
    // Inside a longer string a value must not change it either; a number alone is a number.
    expect((await failure(render(cm('${replicas}0'), { replicas: 1 }))).message).toMatch(/as the number 10/);
    await render(cm('${replicas}'), { replicas: 4 });
    await render(cm('v${tag}'), { tag: '1.10' });
    expect((await failure(render(cm('"a: ${tag}"'), { tag: "it's" }))).message).toMatch(
      /a quote or backslash inside a quoted string/,
    );
  });

  it('refuses parameters where Flux cannot substitute them, and malformed references', async () => {
    const obj = (body: string) =>
      appProfile(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n${body}`);
    expect((await failure(render(obj('data:\n  ${cluster}: x\n')))).message).toMatch(
      /app\.yaml:6: a mapping key may not hold a parameter/,
    );
    expect((await failure(render(obj('data:\n  gh: ${{ secrets.TOKEN }}\n')))).message).toMatch(
      /app\.yaml:6: "\$\{\{ secrets\.TOKEN \}" is not a variable reference/,
    );
    expect((await failure(render(obj('data:\n  d: ${cluster:=x}\n')))).message).toMatch(
      /a profile gives defaults in profile\.yaml/,
    );
    const inPath = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', PARAMS, {
      'manifests/kustomization.yaml': KUSTOMIZATION('${namespace}.yaml'),
    });
    expect((await failure(render(inPath))).message).toMatch(
      /kustomization\.yaml: resources may not use parameters/,
    );
    const dir = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', '', {
      'templates/run.sh': 'echo one\necho ${1:-x}\n',
    });
    expect((await failure(render(dir))).message).toMatch(
      /app\/templates\/run\.sh:2: "\$\{1:-x\}" is not a parameter reference/,
    );
  });

  it("renders the profile's templates with the cluster's values, for the team", async () => {
    const dir = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', '', {
      'templates/ci.yaml':
        'env:\n  REGISTRY: ${ecrRegistry}\n  REPO: ${cluster}/api\n  TOKEN: ${{ secrets.T }}\n',
    });
    const out = await render(dir);
    expect(parse(out.teamFiles['templates/app/ci.yaml']!)).toEqual({
      env: {
        REGISTRY: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`,
        REPO: 'research/api',
        TOKEN: '${{ secrets.T }}',
      },
    });
  });

  it('checks that every manifest document is a Kubernetes object', async () => {
    const cases: [string, RegExp][] = [
      ['- just\n- a list\n', /app\.yaml:1: expected a Kubernetes object \(a mapping\), got a list/],
      ['plain string\n', /app\.yaml:1: expected a Kubernetes object/],
      ['kind: ConfigMap\nmetadata:\n  name: x\n', /app\.yaml:1: object has no apiVersion/],
      ['apiVersion: v1\nmetadata:\n  name: x\n', /app\.yaml:1: object has no kind/],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /ConfigMap has no metadata\.name/],
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Secret\n',
        /app\.yaml:6: Secret has no metadata\.name/,
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

  it('refuses objects declared twice across the profiles of a chain', async () => {
    const root = tempDir('gitops-prof-');
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: x\n';
    writeFiles(root, {
      'lower/profile.yaml': profileYaml('lower'),
      'lower/configs/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
      'lower/configs/cm.yaml': cm,
      'upper/profile.yaml': profileYaml('upper', 'includes: [lower]\n'),
      'upper/apps/kustomization.yaml': KUSTOMIZATION('cm.yaml'),
      'upper/apps/cm.yaml': cm,
    });
    expect((await failure(render(path.join(root, 'upper')))).message).toMatch(
      /ConfigMap x\/same is declared twice: .*lower\/configs\/cm\.yaml:1 and .*upper\/apps\/cm\.yaml:1/,
    );
  });

  it('refuses a profile with both manifests/ and layer folders', async () => {
    const dir = appProfile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', '', {
      'apps/kustomization.yaml': KUSTOMIZATION(),
    });
    expect((await failure(resolveProfile(dir, { env: process.env }))).message).toMatch(
      /has both manifests\/ and layer folders/,
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
