/**
 * The AWS identity a run uses, read from the environment the use case was given rather than from
 * process.env. The SDK's own chain reads process.env, so a use case handed another environment
 * (a second identity, a profile) would otherwise sign with whatever the process holds.
 *
 * The order is the SDK's default chain's (credential-provider-node): AWS_PROFILE set -> that
 * profile from the shared files (a key pair beside it is not used, as the SDK does); else the key
 * pair; else the rest of the chain (the default profile, SSO, container and instance metadata).
 * The shared files are those the environment names (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).
 */
import type { AwsCredentials, AwsCredentialsProvider } from './sdk-config.js';

export function credentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentials | AwsCredentialsProvider {
  const profile = env['AWS_PROFILE'] || undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (profile === undefined && accessKeyId && secretAccessKey) {
    const sessionToken = env['AWS_SESSION_TOKEN'];
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const files = {
    ...(env['AWS_SHARED_CREDENTIALS_FILE'] ? { filepath: env['AWS_SHARED_CREDENTIALS_FILE'] } : {}),
    ...(env['AWS_CONFIG_FILE'] ? { configFilepath: env['AWS_CONFIG_FILE'] } : {}),
  };
  // Loaded on first use (commands that never call AWS start fast); the chain caches what it finds.
  let chain: Promise<AwsCredentialsProvider> | undefined;
  return async () => {
    chain ??= import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) =>
      fromNodeProviderChain({ ...(profile ? { profile } : {}), ...files }),
    );
    return await (await chain)();
  };
}
