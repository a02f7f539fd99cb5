// `gitops token` as kubectl runs it takes its own entry (src/cli/token-main.ts) that reads the
// plain `token --cluster X --region R` form without commander; every other form goes to the full
// CLI. These check both halves against the built CLI: the plain form signs (with keys from the
// environment, and through the SDK's chain for a profile), and whatever the fast path refuses is
// reported exactly as the full CLI reports it. Plus the one warning bin/gitops.js silences.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { plainTokenArgs } from '../../src/cli/token-main.js';
import { gitopsBin, hasStackTrace, runCli } from '../support/cli.js';

const KEY = 'AKIAFASTPATHEXAMPLE1';

/** No AWS setting from the machine running the tests: only what a test sets. */
function awsEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'gitops-token-entry-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** The presigned URL inside the printed ExecCredential. */
function presignedUrl(stdout: string): URL {
  const cred = JSON.parse(stdout) as { kind: string; status: { token: string } };
  expect(cred.kind).toBe('ExecCredential');
  return new URL(Buffer.from(cred.status.token.slice('k8s-aws-v1.'.length), 'base64url').toString());
}

describe('plainTokenArgs', () => {
  const env = { AWS_REGION: 'eu-west-1' };

  it('takes the kubeconfig form, = forms, the last of a repeated flag, and the region from the environment', () => {
    expect(plainTokenArgs(['token', '--cluster', 'research', '--region', 'us-west-2'], {})).toEqual({
      cluster: 'research',
      region: 'us-west-2',
    });
    expect(plainTokenArgs(['token', '--region=us-east-1', '--cluster=a_b-1'], {})).toEqual({
      cluster: 'a_b-1',
      region: 'us-east-1',
    });
    expect(plainTokenArgs(['token', '--cluster', 'a', '--cluster', 'b'], env)).toEqual({
      cluster: 'b',
      region: 'eu-west-1',
    });
    expect(
      plainTokenArgs(['token', '--cluster', 'a'], { AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' }),
    ).toEqual({ cluster: 'a', region: 'ap-south-1' });
  });

  it('leaves everything else to the full CLI', () => {
    const refused = [
      ['status', '--cluster', 'a'],
      ['token'],
      ['token', '--cluster'],
      ['token', '--cluster', 'bad name'],
      ['token', '--cluster', ''],
      ['token', '--cluster', 'x'.repeat(101)],
      ['token', '--cluster', 'a', '--region', 'mars-1'],
      ['token', '--cluster', 'a', '--help'],
      ['token', '--cluster', 'a', '-o', 'json'],
      ['token', '--cluster', 'a', 'extra'],
      ['token', '--', '--cluster', 'a'],
    ];
    for (const args of refused) expect(plainTokenArgs(args, env), args.join(' ')).toBeUndefined();
    expect(plainTokenArgs(['token', '--cluster', 'a'], {})).toBeUndefined();
  });
});

describe('gitops token, built', () => {
  it('signs with keys from the environment, in either flag form', () => {
    const env = awsEnv({
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    });
    for (const args of [
      ['token', '--cluster', 'research', '--region', 'us-west-2'],
      ['token', '--cluster=research', '--region=us-west-2'],
    ]) {
      const r = runCli(args, { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      const url = presignedUrl(r.stdout);
      expect(url.host).toBe('sts.us-west-2.amazonaws.com');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${KEY}/\\d{8}/us-west-2/sts/`));
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session');
    }
  });

  it('signs with a profile through the SDK credential chain (bundled, loaded on use)', () => {
    const env = awsEnv({ AWS_PROFILE: 'team' });
    writeFileSync(
      env['AWS_SHARED_CREDENTIALS_FILE']!,
      `[team]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profile-secret\n`,
    );
    const r = runCli(['token', '--cluster', 'research', '--region', 'eu-west-1'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(presignedUrl(r.stdout).searchParams.get('X-Amz-Credential')).toMatch(/^AKIAPROFILEEXAMPLE01\//);
  });

  it('with no credentials anywhere: the error and its hint, exit 2 (the user can fix it), no stack trace', () => {
    const r = runCli(['token', '--cluster', 'research', '--region', 'eu-west-1'], { env: awsEnv() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: credentials resolve failed: CredentialsProviderError/);
    expect(r.stderr).toMatch(/^hint: set AWS_PROFILE/m);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('a bad AWS_ENDPOINT_URL is a usage error', () => {
    const env = awsEnv({
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_ENDPOINT_URL: 'localhost:4566',
    });
    const r = runCli(['token', '--cluster', 'c', '--region', 'us-west-2'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: AWS_ENDPOINT_URL "localhost:4566": expected an http\(s\) URL/);
  });

  it('what the fast path refuses, the full CLI reports', () => {
    const env = awsEnv({ AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: 's' });
    const bad = runCli(['token', '--cluster', 'bad name', '--region', 'us-west-2'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --cluster "bad name": must start with a letter or digit/);
    const missing = runCli(['token', '--region', 'us-west-2'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --cluster is required/);
    const noRegion = runCli(['token', '--cluster', 'c'], { env });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toMatch(/^error: --region is required/);
    const unknown = runCli(['token', '--cluster', 'c', '--region', 'us-west-2', '--bogus'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const help = runCli(['token', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: gitops token/);
    // Global flags go through commander, and the token is printed as it is whatever -o says.
    const json = runCli(['-o', 'json', 'token', '--cluster', 'c', '--region', 'us-west-2'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(presignedUrl(json.stdout).host).toBe('sts.us-west-2.amazonaws.com');
  });
});

describe('bin/gitops.js', () => {
  it("silences the AWS SDK's NodeVersionSupportWarning and no other warning", () => {
    const script = [
      `await import(${JSON.stringify(pathToFileURL(gitopsBin).href)});`,
      "process.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) will require node >=22.');",
      "process.emitWarning('something else worth saying', 'OtherWarning');",
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, '--', 'gitops', '--version'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.stderr).toMatch(/OtherWarning: something else worth saying/);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
