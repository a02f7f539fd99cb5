/**
 * The use cases in this process where they must refuse or give up: a deadline while AWS hangs,
 * a permission error in a dry run, a fleet URL Flux cannot read. None of these needs a cluster
 * (and none is made). Each case says what the code before the use-case refactor (90cebaf) did.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { deadlineSignal } from '../../src/primitives/wait.js';
import { loadConfigFile } from '../../src/spec/from-flags.js';
import { bootstrapSpec } from '../../src/usecases/bootstrap/run.js';
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
