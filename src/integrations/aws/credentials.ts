/**
 * Where signatures get their keys: explicit credentials (tests), else the SDK's default chain
 * (environment, AWS_PROFILE with SSO and the config files, web identity, container and instance
 * metadata), always read from the environment the run was given, never from process.env: a use
 * case handed another environment (a second identity, a profile) signs as that one.
 *
 * The chain's first link, keys in the environment, is read here directly: it is the usual case
 * in CI and for `gitops token` under kubectl, which runs it before every command, and the SDK's
 * chain module alone costs more to load than signing does. Everything else (a profile, SSO,
 * metadata) goes to the SDK's chain, loaded on first use, with the profile and the shared files
 * that environment names (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).
 */
import { toAwsError } from './errors.js';
import type { AwsCredentials, AwsCredentialsProvider } from './sdk-config.js';

export interface CredentialSource {
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** A named profile; without it the chain reads AWS_PROFILE. */
  profile?: string;
}

/** Resolves credentials on each call (the SDK's chain caches them until they are about to expire). */
export function credentialProvider(source: CredentialSource, env: NodeJS.ProcessEnv): AwsCredentialsProvider {
  let provider: Promise<AwsCredentialsProvider> | undefined;
  const resolveProvider = async (): Promise<AwsCredentialsProvider> => {
    const explicit = source.credentials;
    if (explicit !== undefined) return typeof explicit === 'function' ? explicit : async () => explicit;
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const profile = source.profile ?? (env['AWS_PROFILE'] || undefined);
    return defaultProvider({
      ...(profile ? { profile } : {}),
      ...(env['AWS_SHARED_CREDENTIALS_FILE'] ? { filepath: env['AWS_SHARED_CREDENTIALS_FILE'] } : {}),
      ...(env['AWS_CONFIG_FILE'] ? { configFilepath: env['AWS_CONFIG_FILE'] } : {}),
    });
  };
  return async () => {
    const fromEnv =
      source.credentials === undefined ? environmentCredentials(source.profile, env) : undefined;
    if (fromEnv !== undefined) return fromEnv;
    provider ??= resolveProvider();
    try {
      return await (await provider)();
    } catch (e) {
      throw toAwsError('credentials', 'resolve', e);
    }
  };
}

/**
 * The default chain's fromEnv link as the SDK runs it: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION when set), used
 * only when no profile is named, since a profile (option or AWS_PROFILE) makes the SDK skip them.
 */
export function environmentCredentials(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): AwsCredentials | undefined {
  const named = profile ?? env['AWS_PROFILE'];
  if (named) return undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env['AWS_SESSION_TOKEN'];
  const expiration = env['AWS_CREDENTIAL_EXPIRATION'];
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
  };
}

/** The credentials of an environment, as a use case's AWS clients sign with them. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentialsProvider {
  const profile = env['AWS_PROFILE'] || undefined;
  return credentialProvider(profile ? { profile } : {}, env);
}
