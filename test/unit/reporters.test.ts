import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { systemError } from '../../src/primitives/errors.js';
import { emit } from '../../src/primitives/events.js';
import { registerSecret } from '../../src/primitives/redact.js';
import { Output } from '../../src/io/output.js';

class Capture extends PassThrough {
  text = '';
  isTTY = false;
  constructor() {
    super();
    this.on('data', (c: Buffer) => {
      this.text += c.toString('utf8');
    });
  }
}

function streams() {
  const stdout = new Capture();
  const stderr = new Capture();
  return {
    stdout,
    stderr,
    io: { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream },
  };
}

async function drive(out: Output): Promise<void> {
  const sink = await out.createSink();
  emit(sink, {
    type: 'plan-started',
    plan: 'bootstrap',
    dryRun: false,
    steps: [{ id: 'a', title: 'A', dependsOn: [] }],
  });
  emit(sink, { type: 'step-started', stepId: 'a', title: 'A' });
  emit(sink, { type: 'step-progress', stepId: 'a', message: 'CREATING', elapsedMs: 100 });
  emit(sink, { type: 'warning', code: 'GITOPS_NOT_OURS', message: 'careful' });
  emit(sink, { type: 'step-finished', stepId: 'a', title: 'A', result: 'created', durationMs: 1200 });
  emit(sink, { type: 'plan-finished', plan: 'bootstrap', ok: true, durationMs: 1300 });
}

describe('reporters', () => {
  it('JSON mode writes exactly one JSON document to stdout; progress goes to stderr as NDJSON', async () => {
    const s = streams();
    const out = new Output({ mode: 'json', color: false, quiet: false, verbose: false, ...s.io, env: {} });
    await drive(out);
    out.result({ ready: true }, () => 'text');
    expect(JSON.parse(s.stdout.text)).toEqual({ ready: true });
    // One event per line, each a JSON object with a stable code, its type and an ISO time.
    const lines = s.stderr.text.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['code'])).toEqual([
      'GITOPS_PLAN_STARTED',
      'GITOPS_STEP_STARTED',
      'GITOPS_STEP_PROGRESS',
      'GITOPS_NOT_OURS',
      'GITOPS_STEP_FINISHED',
      'GITOPS_PLAN_FINISHED',
    ]);
    for (const e of events) expect(new Date(String(e['at'])).toISOString()).toBe(e['at']);
    expect(events[4]).toMatchObject({
      type: 'step-finished',
      stepId: 'a',
      result: 'created',
      durationMs: 1200,
    });
    expect(events[3]).toMatchObject({ type: 'warning', message: 'careful' });
  });

  it('JSON mode: notes (the confirmation preview), interrupts and --verbose traces are NDJSON on stderr too', async () => {
    const s = streams();
    const out = new Output({ mode: 'json', color: false, quiet: false, verbose: true, ...s.io, env: {} });
    await drive(out);
    out.note('\n2 of 5 steps will make changes:');
    out.note('  ~ EKS cluster research (create)');
    out.notice('\ninterrupted; finishing running steps (press Ctrl-C again to exit now)');
    out.error(
      systemError('GITOPS_AWS', 'the cluster went FAILED', { cause: new Error('throttled\nby EKS') }),
    );
    const lines = s.stderr.text.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) expect(typeof e['code']).toBe('string');
    expect(events.slice(6).map((e) => [e['code'], e['type']])).toEqual([
      ['GITOPS_NOTE', 'info'],
      ['GITOPS_NOTE', 'info'],
      ['GITOPS_NOTE', 'info'],
      ['GITOPS_TRACE', 'info'],
    ]);
    expect(events[6]?.['message']).toBe('2 of 5 steps will make changes:');
    expect(events[9]?.['message']).toMatch(
      /^GitopsError: the cluster went FAILED\n[\s\S]*caused by: Error: throttled\nby EKS/,
    );
    expect(JSON.parse(s.stdout.text)).toMatchObject({ error: { code: 'GITOPS_AWS' } });
  });

  it('text mode keeps notes on stdout and interrupts and traces on stderr as plain lines', () => {
    const s = streams();
    const out = new Output({ mode: 'text', color: false, quiet: false, verbose: true, ...s.io, env: {} });
    out.note('cancelled: nothing was changed');
    out.notice('\ninterrupted again; exiting without waiting for running steps');
    out.error(systemError('GITOPS_AWS', 'the cluster went FAILED'));
    expect(s.stdout.text).toBe('cancelled: nothing was changed\n');
    expect(s.stderr.text).toMatch(
      /^\ninterrupted again; exiting without waiting for running steps\nerror: the cluster went FAILED\nGitopsError: /,
    );
  });

  it('JSON mode with --quiet prints nothing but the document', async () => {
    const s = streams();
    const out = new Output({ mode: 'json', color: false, quiet: true, verbose: false, ...s.io, env: {} });
    await drive(out);
    out.result({ ok: 1 }, () => '');
    expect(JSON.parse(s.stdout.text)).toEqual({ ok: 1 });
    expect(s.stderr.text).toBe('');
  });

  it('an error in JSON mode is a JSON object on stdout, and only one document is ever printed', () => {
    const s = streams();
    const out = new Output({ mode: 'json', color: false, quiet: false, verbose: false, ...s.io, env: {} });
    out.error(systemError('GITOPS_AWS', 'the cluster went FAILED', { hint: 'look at the health issues' }));
    expect(JSON.parse(s.stdout.text)).toEqual({
      error: { code: 'GITOPS_AWS', message: 'the cluster went FAILED', hint: 'look at the health issues' },
    });
  });

  it('plain mode (not a TTY) writes one line per event without ANSI codes', async () => {
    const s = streams();
    const out = new Output({ mode: 'text', color: true, quiet: false, verbose: false, ...s.io, env: {} });
    expect(out.isInteractive).toBe(false);
    await drive(out);
    expect(s.stdout.text.includes('\u001b[')).toBe(false);
    expect(s.stdout.text).toMatch(/^✔ A created 1\.2s$/m);
    expect(s.stdout.text).toMatch(/^warning careful$/m);
  });

  it('redacts registered secrets from everything written, --verbose stacks included', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
    registerSecret(secret);
    const s = streams();
    const out = new Output({ mode: 'text', color: false, quiet: false, verbose: true, ...s.io, env: {} });
    out.error(
      systemError('GITOPS_GIT', `push failed for https://x:${secret}@example.com`, {
        cause: new Error(secret),
      }),
    );
    expect(s.stderr.text).toMatch(/\[redacted\]/);
    expect(s.stderr.text).not.toContain(secret);
  });
});
