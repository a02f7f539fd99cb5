/**
 * The identity a use case signs with comes from the environment it was given, in the SDK's own
 * order, and never from this process's environment (which holds no AWS keys in this test).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsFromEnv } from '../../src/integrations/aws/credentials.js';
import type { AwsCredentials } from '../../src/integrations/aws/sdk-config.js';

const dir = mkdtempSync(join(tmpdir(), 'gitops-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAIR = { AWS_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT1', AWS_SECRET_ACCESS_KEY: 'from-the-environment' };

async function resolve(env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  const c = credentialsFromEnv(env);
  return typeof c === 'function' ? await c() : c;
}

describe('credentials from the environment a use case is given', () => {
  it('uses the key pair (and session token) of that environment', async () => {
    expect(process.env['AWS_ACCESS_KEY_ID']).toBeUndefined();
    expect(await resolve({ ...PAIR, AWS_SESSION_TOKEN: 'session' })).toEqual({
      accessKeyId: 'AKIAFROMENVIRONMENT1',
      secretAccessKey: 'from-the-environment',
      sessionToken: 'session',
    });
  });

  it("takes AWS_PROFILE over a key pair beside it, from the shared files that environment names, as the SDK's chain does", async () => {
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      '[team]\naws_access_key_id = AKIAFROMTHEPROFILE01\naws_secret_access_key = from-the-profile\n',
    );
    const creds = await resolve({
      ...PAIR,
      AWS_PROFILE: 'team',
      AWS_SHARED_CREDENTIALS_FILE: file,
      AWS_CONFIG_FILE: join(dir, 'no-config'),
    });
    expect(creds).toMatchObject({ accessKeyId: 'AKIAFROMTHEPROFILE01', secretAccessKey: 'from-the-profile' });
  });
});
