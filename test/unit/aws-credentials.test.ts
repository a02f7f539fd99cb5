// The environment link of the credential chain, read without loading the SDK's chain: the same
// keys the SDK's default chain returns for the same environment, and nothing when the SDK would
// look elsewhere (a profile named, a key missing).
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialProvider, environmentCredentials } from '../../src/integrations/aws/credentials.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function useEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, vars);
  return process.env;
}

describe('environment credentials', () => {
  const cases: Record<string, string>[] = [
    { AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE000001', AWS_SECRET_ACCESS_KEY: 'secret' },
    {
      AWS_ACCESS_KEY_ID: 'ASIAENVEXAMPLE000001',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    },
    {
      AWS_ACCESS_KEY_ID: 'ASIAENVEXAMPLE000001',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-02T03:04:05Z',
    },
  ];
  for (const vars of cases) {
    it(`are the SDK chain's for ${Object.keys(vars).join(', ')}`, async () => {
      const env = useEnv(vars);
      const sdk = await defaultProvider({})();
      expect(environmentCredentials(undefined, env)).toEqual({
        accessKeyId: sdk.accessKeyId,
        secretAccessKey: sdk.secretAccessKey,
        ...(sdk.sessionToken ? { sessionToken: sdk.sessionToken } : {}),
        ...(sdk.expiration ? { expiration: sdk.expiration } : {}),
      });
    });
  }

  it('are not used when a profile is named (the SDK skips them then) or a key is missing', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE000001', AWS_SECRET_ACCESS_KEY: 'secret' };
    expect(environmentCredentials(undefined, { ...keys, AWS_PROFILE: 'team' })).toBeUndefined();
    expect(environmentCredentials('team', keys)).toBeUndefined();
    expect(environmentCredentials(undefined, { AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE000001' })).toBeUndefined();
    expect(
      environmentCredentials(undefined, { AWS_SECRET_ACCESS_KEY: 'secret', AWS_ACCESS_KEY_ID: '' }),
    ).toBeUndefined();
  });

  it('explicit credentials win over the environment', async () => {
    useEnv({ AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE000001', AWS_SECRET_ACCESS_KEY: 'secret' });
    const explicit = { accessKeyId: 'AKIAEXPLICIT00000001', secretAccessKey: 'explicit' };
    expect(await credentialProvider({ credentials: explicit }, {})()).toEqual(explicit);
  });
});
