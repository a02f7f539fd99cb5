import { afterAll, describe, expect, it } from 'vitest';
import { RecordingSink } from '../support/recording-sink.js';
import { buildPlan, stepRef } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import { describeChanges, diffFleet } from '../../src/integrations/git/diff.js';
import { authFromEnv, gitEnv, remoteFor } from '../../src/integrations/git/exec.js';
import { type FleetPushOutput, fleetPushStep } from '../../src/integrations/git/steps.js';
import { bareRepo, cleanupAll, commitAsOther, commitCount, head } from './git-helpers.js';

afterAll(cleanupAll);

describe('diffFleet', () => {
  it('lists what publishing would add, change and remove, without touching the remote', async () => {
    const repo = bareRepo();
    commitAsOther(
      repo,
      { 'clusters/a/keep.yaml': 'same\n', 'clusters/a/old.yaml': 'x\n', 'clusters/a/edit.yaml': '1\n' },
      'seed',
    );
    const diff = await diffFleet({
      env: process.env,
      url: repo.url,
      branch: 'main',
      path: 'clusters/a',
      files: { 'keep.yaml': 'same\n', 'edit.yaml': '2\n', 'new.yaml': 'n\n' },
    });
    expect(diff.changes).toEqual([
      { status: 'M', path: 'clusters/a/edit.yaml' },
      { status: 'A', path: 'clusters/a/new.yaml' },
      { status: 'D', path: 'clusters/a/old.yaml' },
    ]);
    expect(describeChanges(diff.changes)).toBe('1 to add, 1 to change, 1 to remove');
    expect(commitCount(repo)).toBe(1);
  });
});

describe('fleetPushStep', () => {
  it('pushes once, then observes in sync; a dry run pushes nothing', async () => {
    const repo = bareRepo();
    const step = () =>
      fleetPushStep({
        write: () => ({
          env: process.env,
          url: repo.url,
          branch: 'main',
          path: 'clusters/a',
          files: { 'cluster.yaml': 'name: a\n' },
          message: 'gitops: bootstrap a with profile ml@1.0.0',
        }),
      });
    const dry = await runPlan(buildPlan('dry', [step()]), { sink: new RecordingSink(), dryRun: true });
    expect(dry.steps[0]).toMatchObject({ result: 'would-change', summary: 'clusters/a: 1 to add' });
    expect(head(repo)).toBeUndefined();

    const first = await runPlan(buildPlan('first', [step()]), { sink: new RecordingSink() });
    expect(first.ok).toBe(true);
    expect(first.steps[0]!.result).toBe('updated');
    const second = await runPlan(buildPlan('again', [step()]), { sink: new RecordingSink() });
    expect(second.steps[0]!.result).toBe('unchanged');
    expect(commitCount(repo)).toBe(1);
    const push = stepRef<FleetPushOutput>('fleet:push');
    expect(second.output(push)?.revision).toBe(first.output(push)?.revision);
  });
});

describe('fleetPushStep with files that need another step', () => {
  it('a dry run before that step ran says it would change; the real run of the same plan then pushes', async () => {
    const repo = bareRepo();
    const network = stepRef<{ vpcId: string }>('aws:network');
    const networkStep = {
      id: network.id,
      title: 'network',
      observe: async () => ({ inSync: false, summary: 'create VPC' }),
      apply: async () => ({ result: 'created' as const, output: { vpcId: 'vpc-0a1b2c' } }),
    };
    const push = fleetPushStep({
      dependsOn: [network.id],
      write: (ctx) => ({
        env: process.env,
        url: repo.url,
        branch: 'main',
        path: 'clusters/a',
        files: { 'cluster-values.yaml': `vpcId: ${ctx.need(network).vpcId}\n` },
        message: 'gitops: bootstrap a',
      }),
    });
    // One plan, previewed then run, as an interactive bootstrap does.
    const plan = buildPlan('preview-then-run', [networkStep, push]);
    const preview = await runPlan(plan, { sink: new RecordingSink(), dryRun: true });
    expect(preview.steps.find((s) => s.id === 'fleet:push')?.result).toBe('would-change');
    const real = await runPlan(plan, { sink: new RecordingSink() });
    expect(real.ok).toBe(true);
    expect(commitCount(repo)).toBe(1);
  });
});

describe('credentials', () => {
  it('sends a token only to http(s) remotes, as a header in the environment of that one command', () => {
    const https = gitEnv(process.env, 'https://git.example.com/acme/fleet.git', { token: 'tok-123' });
    const keys = Object.keys(https).filter((k) => k.startsWith('GIT_CONFIG_KEY_'));
    const header = keys
      .map((k) => https[k.replace('KEY', 'VALUE')])
      .find((v) => v?.startsWith('Authorization'));
    expect(header).toBe(`Authorization: Basic ${Buffer.from('x-access-token:tok-123').toString('base64')}`);
    expect(https['GIT_TERMINAL_PROMPT']).toBe('0');
    expect(https['GIT_ALLOW_PROTOCOL']).toBe('https:http:ssh:git:file');
    const ssh = gitEnv(process.env, 'git@github.com:acme/fleet.git', { token: 'tok-123' });
    expect(JSON.stringify(ssh)).not.toContain(Buffer.from('x-access-token:tok-123').toString('base64'));
    expect(authFromEnv({ GIT_TOKEN: 'a', GITOPS_GIT_TOKEN: 'b' })).toEqual({ token: 'b' });
    expect(authFromEnv({})).toBeUndefined();
  });

  it('takes credentials out of an https URL so git never stores or prints them', () => {
    expect(remoteFor('https://bot:p%40ss@git.example.com/fleet.git', {})).toEqual({
      url: 'https://git.example.com/fleet.git',
      auth: { username: 'bot', token: 'p@ss' },
    });
    expect(remoteFor('https://bot:x@git.example.com/fleet.git', {}, { token: 'given' }).auth).toEqual({
      token: 'given',
    });
    expect(remoteFor('git@github.com:acme/fleet.git', {}).url).toBe('git@github.com:acme/fleet.git');
  });
});
