/**
 * The use cases in this process where they must refuse or give up: a deadline while AWS hangs,
 * a permission error in a dry run, a fleet URL Flux cannot read. None of these needs a cluster
 * (and none is made). Each case says what the code before the use-case refactor (90cebaf) did.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { deadlineSignal } from '../../src/primitives/wait.js';
import { loadConfigFile } from '../../src/spec/from-flags.js';
import { bootstrapSpec } from '../../src/usecases/bootstrap/run.js';
import type { SpecRequest } from '../../src/usecases/bootstrap/inputs.js';
import { FIXTURES_DIR } from '../support/kube/fixtures.js';
import { TINY_PROFILE } from '../reliability/support.js';
import { clientsFor, localClients } from '../../src/usecases/clients.js';
import { diffCluster } from '../../src/usecases/diff.js';
import { clusterStatus } from '../../src/usecases/status.js';
import { commitCount, createFleetRepo, sandbox } from './helpers.js';
import {
  awsCallsSince,
  bootstrapInProcess,
  REGION,
  results,
  sandboxEnv,
  scratchDir,
  setFaults,
  tinySpecFile,
} from './usecases.js';

let dir = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(() => {
  dir = scratchDir('refusals');
  env = sandboxEnv(dir);
});
afterEach(() => setFaults([]));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Settles `work`, or says it was still running after `ms` (a broken deadline must not hang the test). */
async function within<T>(ms: number, work: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ error: unknown }>((resolve) => {
    timer = setTimeout(() => resolve({ error: new Error(`still running after ${ms} ms`) }), ms);
  });
  const settled = await Promise.race([
    work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    late,
  ]);
  clearTimeout(timer);
  return { ...settled, ms: Date.now() - started };
}

// Old code: status and diff built their AWS clients without the command's signal; only the git
// read heard --timeout, so a hung DescribeCluster held the command for the SDK's request timeouts
// and retries whatever --timeout said (90cebaf CLI, --timeout 1s: 52 s, then an SDK TimeoutError).
// Until f60c393 diff also reported a deadline that passed while describing as an interrupt (130).
describe('a deadline reaches the AWS calls of status and diff', () => {
  for (const command of ['gitops status', 'gitops diff'] as const) {
    it(`${command} gives up with GITOPS_TIMEOUT when DescribeCluster hangs`, async () => {
      await setFaults([{ service: 'eks', operation: 'DescribeCluster', hangMs: 20_000 }]);
      const signal = deadlineSignal(new AbortController().signal, 1000, command);
      const clients = clientsFor(REGION, env, { signal });
      const run: Promise<unknown> =
        command === 'gitops status'
          ? clusterStatus({ clients, cluster: 'uc-hang', signal })
          : diffCluster(clients, 'uc-hang', { signal });
      const outcome = await within(8_000, run);
      expect(isGitopsError(outcome.error) && outcome.error.code, String(outcome.error)).toBe(
        'GITOPS_TIMEOUT',
      );
      expect((outcome.error as Error).message).toBe(`${command} did not finish within 1s`);
      expect(outcome.ms).toBeLessThan(4_000);
    });
  }
});

// Old code: in a dry run, any error of a step whose dependency would change was reported as
// `would-change` ("after aws:cluster"): a denied permission looked like a plan that would work.
describe('a dry run of a new cluster', () => {
  let fleetUrl = '';
  beforeAll(async () => {
    fleetUrl = (await createFleetRepo('uc-dry')).url;
  });

  const dryRun = () =>
    bootstrapInProcess({ cluster: 'uc-dry', fleetUrl, env, configFile: tinySpecFile(dir), dryRun: true });

  it('reports the steps after the cluster as would-change', async () => {
    const started = Date.now();
    const { result } = await dryRun();
    expect(result.ok, JSON.stringify(result.document.error)).toBe(true);
    const byId = results(result.report);
    expect(byId['aws:cluster']).toBe('would-change');
    expect(byId['aws:nodegroup:main']).toBe('would-change');
    expect(byId['kubeconfig:write']).toBe('would-change');
    const mutating = (await awsCallsSince(started)).filter((c) => !/^(Describe|List|Get)/.test(c.operation));
    expect(mutating).toEqual([]);
  });

  it('reports a denied DescribeNodegroup as that step failing with the AWS error', async () => {
    await setFaults([{ service: 'eks', operation: 'DescribeNodegroup', deny: true }]);
    const { result } = await dryRun();
    expect(result.ok).toBe(false);
    const step = result.report.steps.find((s) => s.id === 'aws:nodegroup:main')!;
    expect(step.result).toBe('failed');
    expect(step.error?.message).toMatch(
      /^EKS DescribeNodegroup failed: AccessDeniedException: User: arn:aws:iam::123456789012:user\/gitops-test is not authorized to perform: eks:DescribeNodegroup/,
    );
    expect(step.error?.hint).toMatch(/lacks the permission/);
    expect(result.error).toBe(step.error);
    // The steps that do not depend on it still say what they would do.
    expect(results(result.report)['aws:cluster']).toBe('would-change');
  });
});

// Issue #13. Old code: a file:// or local fleet URL passed every check; bootstrap created the VPC,
// the IAM roles and the cluster and pushed the fleet commit, and only Flux, at the end, refused
// the URL (90cebaf CLI: 37 mutating AWS calls and a commit, then flux:sync failed).
describe('a fleet URL Flux cannot read is refused before anything changes', () => {
  let fleet = { url: '', dir: '' };
  beforeAll(async () => {
    fleet = await createFleetRepo('uc-preflight');
  });

  const spec = (gitUrl: string, allowInsecureHttp: boolean) =>
    loadConfigFile(tinySpecFile(dir)).then((config) =>
      bootstrapSpec(
        { flags: { cluster: 'uc-preflight', region: REGION, gitUrl }, config },
        localClients(env),
        { allowInsecureHttp },
      ),
    );

  it.each([
    ['a file:// URL', () => `file://${fleet.dir}`, true],
    ['a bare path', () => fleet.dir, true],
    ['plain http:// without allowInsecureHttp', () => fleet.url, false],
  ] as const)(
    '%s is a user error naming the schemes Flux reads; no AWS call, no commit',
    async (_name, url, insecure) => {
      const started = Date.now();
      const error = await spec(url(), insecure).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isGitopsError(error), String(error)).toBe(true);
      if (!isGitopsError(error)) return;
      expect(error.code).toBe('GITOPS_BAD_INPUT');
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(/^--git-url "/);
      expect(`${error.message} ${error.hint}`).toMatch(/https:\/\/.*ssh:\/\//);
      expect(await awsCallsSince(started)).toEqual([]);
      expect(await commitCount(fleet.dir)).toBe(0);
    },
  );

  it('the same http:// URL is accepted when plain http is allowed (the sandbox case)', async () => {
    const { sourceUrl } = await spec(fleet.url, true);
    expect(sourceUrl).toBe(fleet.url);
    expect(sandbox().gitUrl.startsWith('http://')).toBe(true);
  });
});

// Issue #13, item 5. Old code: --reconciler-manifests was only checked to exist; its content was
// read after DescribeCluster, STS and the fleet clone (a file that is not Flux's manifests went
// on to the install). A local --profile folder was read after DescribeCluster too.
describe('local files named by flags are read and checked before any remote call', () => {
  let fleet = { url: '', dir: '' };
  let files = { notFlux: '', badYaml: '', badProfile: '' };
  beforeAll(async () => {
    fleet = await createFleetRepo('uc-local-files');
    const notFlux = join(dir, 'not-flux.yaml');
    writeFileSync(notFlux, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n');
    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'apiVersion: v1\nkind: [Namespace\n');
    const badProfile = join(dir, 'bad-profile');
    mkdirSync(badProfile);
    writeFileSync(join(badProfile, 'profile.yaml'), 'name: [broken\n');
    files = { notFlux, badYaml, badProfile };
  });

  const refusal = async (
    request: SpecRequest,
    reconcilerManifests?: string,
  ): Promise<{ error: unknown; aws: unknown[] }> => {
    const started = Date.now();
    const error = await bootstrapSpec(request, localClients(env), {
      allowInsecureHttp: true,
      ...(reconcilerManifests ? { reconcilerManifests } : {}),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, aws: await awsCallsSince(started) };
  };
  const withFlags = async (profile?: string): Promise<SpecRequest> => ({
    flags: { cluster: 'uc-local-files', region: REGION, gitUrl: fleet.url, ...(profile ? { profile } : {}) },
    config: await loadConfigFile(tinySpecFile(dir)),
  });

  it.each([
    [
      'a file that is not Flux manifests',
      () => files.notFlux,
      /^--reconciler-manifests .*not-flux\.yaml is not Flux's install manifests: it defines no GitRepository/,
    ],
    [
      'a file that is not YAML',
      () => files.badYaml,
      /^--reconciler-manifests: .*bad\.yaml document 1: invalid YAML/,
    ],
  ] as const)(
    '--reconciler-manifests naming %s: exit 2 naming the flag, no AWS call',
    async (_n, file, says) => {
      const { error, aws } = await refusal(await withFlags(), file());
      expect(isGitopsError(error) && error.exitCode, String(error)).toBe(2);
      expect((error as Error).message).toMatch(says);
      expect(aws).toEqual([]);
    },
  );

  it('with --from-git, a bad --reconciler-manifests is refused before the fleet repository is read', async () => {
    // Nothing listens there: reading it first would fail as a Git error, not as bad input.
    const { error, aws } = await refusal(
      {
        flags: { cluster: 'uc-local-files', region: REGION },
        fromGit: { url: 'http://127.0.0.1:9/fleet.git' },
      },
      files.notFlux,
    );
    expect(isGitopsError(error) && error.exitCode, String(error)).toBe(2);
    expect((error as Error).message).toMatch(/^--reconciler-manifests .* is not Flux's install manifests/);
    expect(aws).toEqual([]);
  });

  it('a --profile folder whose profile.yaml is broken: exit 2 naming the file, no AWS call', async () => {
    const { error, aws } = await refusal(await withFlags(files.badProfile));
    expect(isGitopsError(error) && error.exitCode, String(error)).toBe(2);
    expect((error as Error).message).toContain('bad-profile');
    expect(aws).toEqual([]);
  });

  it('a good local profile and manifests file are read once, there, and handed on', async () => {
    const good = join(dir, 'flux-mini.yaml');
    writeFileSync(good, readFileSync(join(FIXTURES_DIR, 'flux-mini.yaml'), 'utf8'));
    const { local, requested } = await bootstrapSpec(await withFlags(), localClients(env), {
      allowInsecureHttp: true,
      reconcilerManifests: good,
    });
    expect(local.manifests).toMatchObject({ origin: 'flag-file', version: requested.reconciler.version });
    expect(local.profile?.dir).toBe(TINY_PROFILE);
  });
});
