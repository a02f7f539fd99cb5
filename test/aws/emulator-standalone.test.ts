import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';

const started: ChildProcess[] = [];

// afterAll, not afterEach: the tests run concurrently and must not kill each other's processes.
afterAll(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

interface Banner {
  url: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function firstLine(p: ChildProcess): Promise<Banner> {
  const lines = createInterface({ input: p.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return JSON.parse(line) as Banner;
}

async function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return { code: p.exitCode, signal: p.signalCode };
  const [code, signal] = (await once(p, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

// Each test starts a process (about 1-2 s of tsx start-up), so they run side by side.
describe.concurrent('standalone emulator', () => {
  it('prints one JSON line, serves SigV4 clients, and exits 0 on SIGTERM', async () => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/aws-emulator/main.ts', '--port', '0', '--time-scale', '0.01'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    started.push(p);
    const banner = await firstLine(p);
    expect(Object.keys(banner).sort()).toEqual([
      'accessKeyId',
      'accountId',
      'region',
      'secretAccessKey',
      'url',
    ]);
    expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sts = new STSClient({
      endpoint: banner.url,
      region: banner.region,
      credentials: { accessKeyId: banner.accessKeyId, secretAccessKey: banner.secretAccessKey },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(banner.accountId);
    sts.destroy();
    p.kill('SIGTERM');
    expect(await exited(p)).toEqual({ code: 0, signal: null });
  });

  it('runs through `npm run aws-emulator` and does not outlive it', async () => {
    const p = spawn('npm', ['run', '--silent', 'aws-emulator', '--', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(p);
    const banner = await firstLine(p);
    const health = await fetch(`${banner.url}/_emulator/health`);
    expect(health.status).toBe(200);
    p.kill('SIGTERM');
    await exited(p);
    // Whether npm's shell passes the signal on or not, the emulator is gone shortly after.
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      gone = await fetch(`${banner.url}/_emulator/health`).then(
        () => false,
        () => true,
      );
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gone).toBe(true);
  });

  it('refuses a non-numeric option with exit code 2', async () => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/aws-emulator/main.ts', '--port', 'abc'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    started.push(p);
    expect((await exited(p)).code).toBe(2);
  });
});
