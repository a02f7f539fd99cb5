/**
 * The bad-input corpus: malformed flags, spec files, profiles, manifests, Git URLs, reconciler
 * manifests and kubeconfigs, each run through the built CLI against the sandbox. Every row must
 * exit 2 (1 when the failure is the remote's), print one `error:` line naming the problem (and at
 * most one `hint:`), no stack trace, and change nothing: no mutating AWS call by this test's own
 * AWS identity, the fleet repositories' refs unchanged, nothing about our clusters in the
 * apiserver, no file made by a command smuggled into a URL, no altered manifests cached.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClientFromKubeconfig } from '../../src/integrations/kube/client.js';
import {
  alteredReleaseServer,
  writeBrokenConfigs,
  writeBrokenProfiles,
} from '../reliability/bad-input-fixtures.js';
import {
  calls,
  createFleetRepo,
  errorLines,
  gitops,
  hasStackTrace,
  isMutating,
  refsOf,
  type Run,
  type SandboxHandle,
  TINY_PROFILE,
} from '../reliability/support.js';
import { sandbox } from './helpers.js';

interface Fixtures {
  dir: string;
  fleet: { url: string; dir: string };
  recorded: { url: string; dir: string };
  profiles: Record<string, string>;
  configs: Record<string, string>;
  kubeconfig: string;
  alteredUrl: string;
  /** Files a command smuggled into a URL would create. */
  marker: string;
}

interface Row {
  input: string;
  args: (f: Fixtures) => string[];
  env?: (f: Fixtures) => Record<string, string>;
  exit: 1 | 2;
  /** What the one error line must say: the problem, named. */
  says: RegExp;
  json?: boolean;
}

const REGION = 'us-west-2';
let n = 0;
/** A bootstrap of a cluster that does not exist, with one thing changed. */
function boot(
  f: Fixtures,
  o: { cluster?: string; profile?: string; url?: string; extra?: string[]; region?: string } = {},
): string[] {
  return [
    'bootstrap',
    '--profile',
    o.profile ?? TINY_PROFILE,
    '--cluster',
    o.cluster ?? `bi-${++n}`,
    '--region',
    o.region ?? REGION,
    '--git-url',
    o.url ?? f.fleet.url,
    '--yes',
    ...(o.extra ?? []),
  ];
}

const ROWS: Row[] = [
  // Flags
  {
    input: '--cluster with a space and "!"',
    args: (f) => boot(f, { cluster: 'bad name!' }),
    exit: 2,
    says: /--cluster "bad name!": must start with a letter or digit/,
  },
  {
    input: '--cluster starting with "-"',
    args: (f) => boot(f, { cluster: '-x' }),
    exit: 2,
    says: /--cluster "-x": must start with a letter or digit/,
  },
  {
    input: '--cluster of 101 characters',
    args: (f) => boot(f, { cluster: `c${'x'.repeat(100)}` }),
    exit: 2,
    says: /--cluster .*at most 100 characters/,
  },
  {
    input: '--cluster empty',
    args: (f) => boot(f, { cluster: '' }),
    exit: 2,
    says: /--cluster "": must not be empty/,
    json: true,
  },
  {
    input: '--region not a region',
    args: (f) => boot(f, { region: 'moon-base-1' }),
    exit: 2,
    says: /--region "moon-base-1": is not an AWS region name/,
  },
  {
    input: '--kubernetes-version not a version',
    args: (f) => boot(f, { extra: ['--kubernetes-version', '1.x'] }),
    exit: 2,
    says: /--kubernetes-version "1\.x": must be a Kubernetes minor version/,
  },
  {
    input: '--kubernetes-version EKS does not offer',
    args: (f) => boot(f, { extra: ['--kubernetes-version', '1.99'] }),
    exit: 2,
    says: /Kubernetes version 1\.99 is not offered by EKS in us-west-2/,
    json: true,
  },
  {
    input: '--flux-version not a version',
    args: (f) => boot(f, { extra: ['--flux-version', 'latest'] }),
    exit: 2,
    says: /--flux-version "latest": must be a version such as 2\.9\.6/,
  },
  {
    input: '--timeout not a duration',
    args: (f) => boot(f, { extra: ['--timeout', 'soon'] }),
    exit: 2,
    says: /--timeout "soon": expected a duration/,
  },
  {
    input: '--timeout zero',
    args: (f) => boot(f, { extra: ['--timeout', '0s'] }),
    exit: 2,
    says: /--timeout "0s": expected a duration/,
  },
  {
    input: '--profile unknown name',
    args: (f) => boot(f, { profile: 'no-such-profile' }),
    exit: 2,
    says: /unknown profile "no-such-profile"/,
  },
  {
    input: '--profile a folder without profile.yaml',
    args: (f) => boot(f, { profile: f.dir }),
    exit: 2,
    says: /no profile\.yaml in this folder/,
  },
  {
    input: '--from-git together with --git-url',
    args: (f) => [
      'bootstrap',
      '--from-git',
      f.fleet.url,
      '--git-url',
      f.fleet.url,
      '--cluster',
      'bi-fg1',
      '--yes',
    ],
    exit: 2,
    says: /--from-git and --git-url both name the fleet repository/,
  },
  {
    input: '--from-git together with --profile',
    args: (f) => ['bootstrap', '--from-git', f.fleet.url, '--profile', 'ml', '--cluster', 'bi-fg2', '--yes'],
    exit: 2,
    says: /--from-git takes the profile and spec from the fleet repo/,
  },
  {
    input: '--from-git of a cluster the fleet repo lacks',
    args: (f) => [
      'bootstrap',
      '--from-git',
      f.fleet.url,
      '--cluster',
      'bi-absent',
      '--region',
      REGION,
      '--yes',
    ],
    exit: 2,
    says: /no cluster "bi-absent" in the fleet repository: .*clusters\/bi-absent\/cluster\.yaml does not exist/,
  },
  {
    input: 'no --git-url and no config',
    args: () => [
      'bootstrap',
      '--profile',
      TINY_PROFILE,
      '--cluster',
      'bi-nourl',
      '--region',
      REGION,
      '--yes',
    ],
    exit: 2,
    says: /--git-url: is required/,
  },
  {
    input: '--git-branch with ".."',
    args: (f) => boot(f, { extra: ['--git-branch', 'a..b'] }),
    exit: 2,
    says: /--git-branch: is not a valid branch name/,
  },
  {
    input: '--git-path escaping the repository',
    args: (f) => boot(f, { extra: ['--git-path', '../outside'] }),
    exit: 2,
    says: /--git-path: must be a relative path inside the repository/,
  },
  {
    input: 'unknown flag',
    args: (f) => [...boot(f), '--clustr', 'x'],
    exit: 2,
    says: /unknown option '--clustr'/,
    json: true,
  },
  {
    input: 'no --yes without a terminal',
    args: (f) => boot(f).filter((a) => a !== '--yes'),
    exit: 2,
    says: /a non-interactive run needs --yes/,
  },
  {
    input: 'AWS_ENDPOINT_URL not a URL',
    args: (f) => boot(f),
    env: () => ({ AWS_ENDPOINT_URL: 'not a url' }),
    exit: 2,
    says: /AWS_ENDPOINT_URL "not a url": expected an http\(s\) URL/,
  },
  // Cluster spec files (--config)
  ...configRows(),
  {
    input: 'config: file missing',
    args: (f) => boot(f, { extra: ['--config', join(f.dir, 'nope.yaml')] }),
    exit: 2,
    says: /nope\.yaml: no such file/,
  },
  // Profiles and their manifests
  ...profileRows(),
  // Git URLs
  {
    input: 'fleet URL with ext:: (runs a command)',
    args: (f) => boot(f, { url: 'ext::id' }),
    exit: 2,
    says: /--git-url "ext::id" uses a remote-helper transport, which is not allowed/,
  },
  {
    input: 'fleet URL with ext:: and arguments',
    args: (f) => boot(f, { url: `ext::sh -c touch% ${f.marker}-1` }),
    exit: 2,
    says: /contains whitespace or control characters/,
  },
  {
    input: 'fleet URL starting with "-" (an option to git)',
    args: (f) => boot(f, { url: `--upload-pack=touch ${f.marker}-2` }),
    exit: 2,
    says: /must not start with "-"/,
  },
  {
    input: 'fleet URL "-oProxyCommand=..." given as --git-url=',
    args: (f) => [...boot(f), '--git-url=-oProxyCommand=id'],
    exit: 2,
    says: /"-oProxyCommand=id" must not start with "-"/,
  },
  {
    input: 'fleet URL with an unsupported transport',
    args: (f) => boot(f, { url: 'ftp://example.com/fleet.git' }),
    exit: 2,
    says: /uses unsupported transport "ftp"/,
  },
  {
    // Issue #13: git itself reads this URL, Flux cannot. It names the corpus' own fleet repo, so a
    // run that got as far as the fleet commit would change the refs the last check compares.
    input: 'fleet URL file:// (git reads it, Flux cannot)',
    args: (f) => boot(f, { url: `file://${f.fleet.dir}` }),
    exit: 2,
    says: /--git-url "file:\/\/.*": Flux cannot read file:\/\/ URLs/,
  },
  {
    input: 'fleet URL without a host',
    args: (f) => boot(f, { url: 'https:///fleet.git' }),
    exit: 2,
    says: /"https:\/\/\/fleet\.git" has no host/,
  },
  {
    input: 'fleet URL with an ssh host that is an option',
    args: (f) => boot(f, { url: 'ssh://-oProxyCommand=id/x.git' }),
    exit: 2,
    says: /has no host/,
  },
  {
    input: 'fleet URL unreachable (remote failure)',
    args: (f) => boot(f, { url: 'http://127.0.0.1:9/fleet.git' }),
    exit: 1,
    says: /reading http:\/\/127\.0\.0\.1:9\/fleet\.git failed/,
  },
  {
    input: 'profile git URL with ext::',
    args: (f) => boot(f, { profile: 'ext::id//x' }),
    exit: 2,
    says: /remote-helper transport/,
  },
  {
    input: 'profile git URL starting with "-"',
    args: (f) => boot(f, { profile: `--upload-pack=touch ${f.marker}-4` }),
    exit: 2,
    says: /must not start with "-"/,
  },
  // Reconciler manifests
  {
    input: 'Flux manifests not matching the pinned checksum',
    args: (f) => boot(f, { extra: ['--flux-version', '2.9.6'] }),
    env: (f) => ({ GITOPS_FLUX_RELEASE_BASE_URL: f.alteredUrl }),
    exit: 1,
    says: /refusing Flux 2\.9\.6 manifests .* does not match the checksum pinned in gitops/,
  },
  {
    input: 'Flux manifests not matching the checksum recorded in the fleet repo',
    args: (f) => boot(f, { cluster: 'bi-recorded', url: f.recorded.url }),
    exit: 1,
    says: /does not match the checksum recorded in the fleet repo/,
    json: true,
  },
  {
    input: '--reconciler-manifests file missing',
    args: (f) => boot(f, { extra: ['--reconciler-manifests', join(f.dir, 'none.yaml')] }),
    exit: 2,
    says: /cannot read --reconciler-manifests/,
  },
  {
    input: '--reconciler-manifests over plain http from afar',
    args: (f) => boot(f, { extra: ['--reconciler-manifests', 'http://example.com/install.yaml'] }),
    exit: 2,
    says: /refusing to download Flux manifests over http: from example\.com/,
  },
  // Kubeconfigs
  {
    input: 'bootstrap with a corrupt kubeconfig to merge into',
    args: (f) => boot(f),
    env: (f) => ({ KUBECONFIG: f.kubeconfig }),
    exit: 2,
    says: /corrupt-kubeconfig is not a valid kubeconfig/,
  },
  {
    input: 'status --kubeconfig corrupt',
    args: (f) => ['status', '--cluster', 'bi-kc', '--region', REGION, '--kubeconfig', f.kubeconfig],
    exit: 2,
    says: /corrupt-kubeconfig is not valid YAML/,
  },
  {
    input: 'diff --kubeconfig corrupt',
    args: (f) => ['diff', '--cluster', 'bi-kc', '--region', REGION, '--kubeconfig', f.kubeconfig],
    exit: 2,
    says: /corrupt-kubeconfig is not valid YAML/,
  },
];

function configRows(): Row[] {
  const says: Record<string, RegExp> = {
    'config-invalid-yaml': /config-invalid-yaml\.yaml:2: invalid YAML/,
    'config-wrong-type': /config-wrong-type\.yaml: kubernetesVersion: expected string, got number \(line 3\)/,
    'config-unknown-field': /nodegroups: unknown field \(line 3\)/,
    'config-alias-bomb': /too many YAML alias expansions/,
    'config-huge': /config-huge\.yaml: file is too large \(\d+ bytes, limit 1048576\)/,
    'config-duplicate-keys': /config-duplicate-keys\.yaml:3: invalid YAML: duplicate key/,
    'config-node-group-sizes': /nodeGroups\[0\]\.maxSize: must be >= desiredSize \(5\) \(line 8\)/,
    'config-vpc-cidr': /network\.vpcCidr: must be an IPv4 CIDR between \/16 and \/28/,
  };
  return Object.entries(says).map(([name, re]) => ({
    input: name.replace(/-/g, ' '),
    args: (f) => boot(f, { extra: ['--config', f.configs[name]!] }),
    exit: 2,
    says: re,
  }));
}

function profileRows(): Row[] {
  const says: Record<string, RegExp> = {
    'profile-invalid-yaml': /profile-invalid-yaml\/profile\.yaml:2: invalid YAML/,
    'profile-wrong-type': /profile\.yaml:12: ecrRepositories: expected array, got string/,
    'profile-alias-bomb': /profile\.yaml: too many YAML alias expansions/,
    'profile-huge': /"profile\.yaml" is too large/,
    'profile-duplicate-keys': /profile\.yaml:12: invalid YAML: duplicate key/,
    'profile-unknown-field': /profile\.yaml:12: nodegroups: unknown field/,
    'profile-include-cycle': /include cycle: tiny -> tiny/,
    'manifest-not-an-object': /app\.yaml:1: expected a Kubernetes object \(a mapping\), got a string/,
    'manifest-missing-kind': /app\.yaml:1: object has no kind/,
    'manifest-unknown-parameter': /app\.yaml:6: unknown parameter "\$\{nosuchparameter\}"/,
    'manifest-path-escape':
      /resources\[0\]: path "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/hosts" escapes the profile folder/,
    'manifest-absolute-path': /resources\[0\]: absolute path "\/etc\/hosts" is not allowed/,
    'manifest-remote-resource': /remote resource "https:\/\/example\.com\/evil\/deploy\.yaml" is not allowed/,
    'manifest-symlink-out': /"app\.yaml" is a symlink; profiles may not contain symlinks/,
    'manifest-symlinked-folder': /"more" is a symlink; profiles may not contain symlinks/,
  };
  return Object.entries(says).map(([name, re]) => ({
    input: name.replace(/-/g, ' '),
    args: (f) => boot(f, { profile: f.profiles[name]! }),
    exit: 2,
    says: re,
  }));
}

const IDENTITY = {
  accessKeyId: 'AKIABADINPUTCORPUS01',
  secretAccessKey: 'bad-input-corpus-secret-key-0000000000000',
  arn: 'arn:aws:iam::123456789012:user/bad-input-corpus',
};

let sb: SandboxHandle;
let f: Fixtures;
let closeRelease: () => Promise<void>;
const results: { row: Row; run: Run }[] = [];
let refsBefore: string[] = [];
let startedAt = 0;

describe('bad-input corpus', () => {
  beforeAll(async () => {
    sb = sandbox();
    startedAt = Date.now();
    await fetch(`${sb.emulatorUrl}/_emulator/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(IDENTITY),
    });
    const dir = mkdtempSync(join(tmpdir(), 'gitops-bad-input-'));
    const fleet = await seededFleet('bad-input-fleet', {});
    // Recorded for the version the sandbox's mirror serves (whatever the fixtures hold), so the
    // download the bootstrap makes is the one held to the (wrong) record.
    const version = sb.env['GITOPS_FLUX_VERSION'];
    if (!version) throw new Error('the sandbox env has no GITOPS_FLUX_VERSION');
    const recorded = await seededFleet('bad-input-recorded', {
      'clusters/bi-recorded/flux-system/gotk-components.yaml': `# Flux v${version} components, installed by gitops.\n# gitops: flux-version=${version} sha256=${'0'.repeat(64)} verification=recorded\n`,
    });
    const kubeconfig = join(dir, 'corrupt-kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nclusters: [\n  - name: half\n', { mode: 0o600 });
    const altered = await alteredReleaseServer(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: not-flux\n',
    );
    closeRelease = altered.close;
    f = {
      dir,
      fleet,
      recorded,
      profiles: writeBrokenProfiles(dir),
      configs: writeBrokenConfigs(dir),
      kubeconfig,
      alteredUrl: altered.url,
      marker: join(dir, 'pwned'),
    };
    refsBefore = await Promise.all([refsOf(fleet.dir), refsOf(recorded.dir)]);
    // A few at a time: each row is a process start plus, for some, a Git or AWS round trip.
    const queue = [...ROWS];
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const args = [...(row.json ? ['-o', 'json'] : []), ...row.args(f)];
        const run = await gitops(sb, args, {
          env: {
            AWS_ACCESS_KEY_ID: IDENTITY.accessKeyId,
            AWS_SECRET_ACCESS_KEY: IDENTITY.secretAccessKey,
            XDG_CACHE_HOME: join(dir, 'cache'),
            KUBECONFIG: join(dir, 'kubeconfig'),
            ...row.env?.(f),
          },
          limitMs: 60_000,
        });
        results.push({ row, run });
        if (process.env['GITOPS_TEST_TRACE'])
          process.stderr.write(
            `row ${row.input}: exit ${run.code} in ${run.ms} ms: ${row.json ? `error: ${jsonError(run.stdout)}` : (errorLines(run.stderr)[0] ?? run.stderr.slice(-300))}\n`,
          );
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }, 300_000);

  afterAll(async () => {
    await closeRelease?.();
    if (f) rmSync(f.dir, { recursive: true, force: true });
  });

  it(`has at least 40 rows (${ROWS.length})`, () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ROWS.map((r) => [r.input, r] as const))('%s', (_name, row) => {
    const { run } = results.find((r) => r.row === row)!;
    const where = `${row.input}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
    expect(run.code, where).toBe(row.exit);
    expect(hasStackTrace(run.stdout + run.stderr), where).toBe(false);
    if (row.json) {
      const doc = JSON.parse(run.stdout) as { error: { code: string; message: string } };
      expect(doc.error.message, where).toMatch(row.says);
      expect(doc.error.message).not.toContain('\n');
    } else {
      // Text mode may have said what it was resolving on stdout; the error itself goes to stderr.
      expect(run.stdout, where).not.toMatch(/error/i);
      const lines = errorLines(run.stderr);
      expect(lines[0], where).toMatch(/^error: /);
      expect(lines[0], where).toMatch(row.says);
      expect(
        lines.slice(1).every((l) => l.startsWith('hint: ')),
        where,
      ).toBe(true);
      expect(lines.length, where).toBeLessThanOrEqual(2);
    }
  });

  it('changed nothing: no mutating AWS call, fleet repos as they were, nothing applied, no smuggled command ran', async () => {
    const mine = (await calls(sb)).filter((c) => c.caller === IDENTITY.arn && c.at >= startedAt);
    expect(mine.filter(isMutating).map((c) => c.operation)).toEqual([]);
    expect(await Promise.all([refsOf(f.fleet.dir), refsOf(f.recorded.dir)])).toEqual(refsBefore);
    // A run that got as far as the cluster would have applied the sync objects for one of these.
    const kube = await kubeClientFromKubeconfig({ env: process.env, path: sb.adminKubeconfig });
    try {
      const repos = await kube.list('source.toolkit.fluxcd.io/v1', 'GitRepository').catch(() => []);
      const urls = repos.map((r) => String((r as { spec?: { url?: string } }).spec?.url));
      expect(urls.filter((u) => u.includes('bad-input'))).toEqual([]);
      const namespaces = (await kube.list('v1', 'Namespace')).map((ns) => ns.metadata.name ?? '');
      expect(namespaces.filter((ns) => ns.startsWith('tiny-bi-'))).toEqual([]);
    } finally {
      kube.close();
    }
    expect(readdirSync(f.dir).filter((name) => name.startsWith('pwned'))).toEqual([]);
    expect(existsSync(join(f.dir, 'cache', 'gitops', 'flux', '2.9.6'))).toBe(false);
    // The figures for test/reliability/README.md.
    const read = mine.map((c) => c.operation);
    process.stderr.write(
      `bad-input corpus: ${ROWS.length} rows, exits ${JSON.stringify(count(results.map((r) => String(r.run.code))))}, ` +
        `AWS calls by the corpus identity: ${read.length} (${[...new Set(read)].join(', ')}), mutating: 0\n`,
    );
  });
});

async function seededFleet(name: string, files: Record<string, string>) {
  const repo = await createFleetRepo(sb, name);
  const work = mkdtempSync(join(tmpdir(), 'gitops-bad-input-seed-'));
  const git = simpleGit(work);
  await git.init(['--initial-branch=main']);
  writeFileSync(join(work, 'README.md'), 'fleet\n');
  for (const [path, text] of Object.entries(files)) {
    const full = join(work, path);
    await import('node:fs/promises').then((fs) => fs.mkdir(join(full, '..'), { recursive: true }));
    writeFileSync(full, text);
  }
  await git.add('.');
  await git.raw(['-c', 'user.name=seed', '-c', 'user.email=seed@example.com', 'commit', '-q', '-m', 'seed']);
  await git.raw(['push', '-q', repo.dir, 'HEAD:refs/heads/main']);
  rmSync(work, { recursive: true, force: true });
  return repo;
}

function jsonError(stdout: string): string {
  try {
    return (JSON.parse(stdout) as { error?: { message?: string } }).error?.message ?? stdout.slice(0, 300);
  } catch {
    return stdout.slice(0, 300);
  }
}

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
