/**
 * Builds the AWS ports for one region. The SDK is loaded lazily (dynamic import on the first
 * call) so commands that never touch AWS, `gitops --help` first of all, start fast.
 *
 * Endpoint: an explicit option wins; otherwise the SDK itself honours `AWS_ENDPOINT_URL` and
 * `AWS_ENDPOINT_URL_<SERVICE>` (that is how tests and the sandbox point it at the emulator).
 * Credentials: explicit ones (tests), else the SDK's default chain (env, AWS_PROFILE, SSO, IMDS).
 */
import { EcrAdapter } from './adapters/ecr.js';
import { Ec2Adapter } from './adapters/ec2.js';
import { EksAdapter } from './adapters/eks.js';
import { IamAdapter } from './adapters/iam.js';
import { S3Adapter } from './adapters/s3.js';
import { ServiceQuotasAdapter } from './adapters/service-quotas.js';
import { StsAdapter } from './adapters/sts.js';
import { credentialProvider } from './credentials.js';
import type { Ec2Port, EcrPort, EksPort, IamPort, S3Port, StsPort } from './ports.js';
import type { ServiceQuotasPort } from './ports-compute.js';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  DEFAULT_MAX_ATTEMPTS,
  type SdkSettings,
} from './sdk-config.js';

export type { AwsCredentials, AwsCredentialsProvider } from './sdk-config.js';

export interface AwsClientOptions {
  region: string;
  /** Overrides AWS_ENDPOINT_URL for every service (the emulator in tests). */
  endpoint?: string;
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** A named profile; without it the SDK reads AWS_PROFILE. */
  profile?: string;
  /** Attempts per call, first included. Adaptive retry spaces them and rate-limits on throttling. */
  maxAttempts?: number;
  /** Per-request socket timeout: a hung call fails (and is retried) instead of blocking the run. */
  requestTimeoutMs?: number;
  /**
   * Multiplies our own poll and retry delays. 1 in real use; tests run the emulator on a scaled
   * clock (timeScale 0.001 makes a 9-minute cluster take 0.54 s) and scale our waits the same.
   */
  timeScale?: number;
  /** Stops every call (a command's --timeout or an interrupt). */
  signal?: AbortSignal;
}

export interface AwsClients {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly timeScale: number;
  readonly eks: EksPort;
  readonly ec2: Ec2Port;
  readonly iam: IamPort;
  readonly ecr: EcrPort;
  readonly s3: S3Port;
  readonly sts: StsPort;
  readonly quotas: ServiceQuotasPort;
  /** Resolved credentials (for signing EKS tokens); secrets, never logged. */
  credentials(): Promise<AwsCredentials>;
}

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config: SdkSettings = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    timeScale: options.timeScale ?? 1,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  return {
    region: options.region,
    endpoint: options.endpoint,
    timeScale: config.timeScale,
    eks: new EksAdapter(config),
    ec2: new Ec2Adapter(config),
    iam: new IamAdapter(config),
    ecr: new EcrAdapter(config),
    s3: new S3Adapter(config),
    sts: new StsAdapter(config),
    quotas: new ServiceQuotasAdapter(config),
    // Without explicit credentials (tests, or the use cases' clients, which read them from the
    // environment they were given), the SDK's chain finds them as it always does.
    credentials: credentialProvider(
      {
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        ...(options.profile === undefined ? {} : { profile: options.profile }),
      },
      {},
    ),
  };
}
