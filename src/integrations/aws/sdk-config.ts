/**
 * The configuration every SDK client gets: region, endpoint (or AWS_ENDPOINT_URL, which the
 * SDK reads itself), credentials, request timeouts, and adaptive retry.
 *
 * Adaptive retry adds a client-side rate limiter that slows down after throttling. Its default
 * floor is 0.5 requests/s, and a throttle within the first half second (before it has measured
 * any rate) sends it straight there; a CLI run that makes a handful of calls per second would
 * then crawl for minutes. Our floor is 2 requests/s per service, below the sustained rate every
 * AWS API we call allows.
 *
 * On a scaled clock (tests against the emulator) the limiter's floor and the retry backoff scale
 * like every other duration; at timeScale 1 the backoff is the SDK's own (full jitter,
 * exponential from the base AWS gives each error type, at most 20 s).
 */
import { setMaxListeners } from 'node:events';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** What every SDK client is built from . */
export interface SdkSettings {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials | AwsCredentialsProvider;
  profile?: string;
  maxAttempts: number;
  requestTimeoutMs: number;
  timeScale: number;
  /** Aborts every call in flight and refuses new ones (a command's deadline, an interrupt). */
  signal?: AbortSignal;
}

export const DEFAULT_MAX_ATTEMPTS = 10;

/** Loads an SDK module and builds its client once, on first use. */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((e: unknown) => {
      value = undefined;
      throw e;
    });
    return value;
  };
}

const MIN_REQUESTS_PER_SECOND = 2;

export async function sdkClientConfig(s: SdkSettings) {
  const { AdaptiveRetryStrategy, DefaultRateLimiter } = await import('@smithy/core/retry');
  const rateLimiter = new DefaultRateLimiter({ minFillRate: MIN_REQUESTS_PER_SECOND / s.timeScale });
  return {
    region: s.region,
    maxAttempts: s.maxAttempts,
    retryMode: 'adaptive' as const,
    retryStrategy: new AdaptiveRetryStrategy(s.maxAttempts, {
      rateLimiter,
      backoff: new ScaledBackoff(s.timeScale),
    }),
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting on a hung call.
    requestHandler: {
      requestTimeout: s.requestTimeoutMs,
      connectionTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    ...(s.credentials === undefined ? {} : { credentials: s.credentials }),
    ...(s.profile === undefined ? {} : { profile: s.profile }),
  };
}

/** The SDK's backoff (random up to base * 2^attempt, capped), times the clock scale. */
class ScaledBackoff {
  private base = 50;

  constructor(private readonly scale: number) {}

  computeNextBackoffDelay(attempt: number): number {
    return Math.floor(Math.random() * Math.min(this.base * 2 ** attempt, 20_000) * this.scale);
  }

  /** The SDK sets the base per error (throttling waits longer than a 500). */
  setDelayBase(delay: number): void {
    this.base = delay;
  }
}

/**
 * Gives every call of an SDK client the command's abort signal, unless the call brings its own:
 * a --timeout or Ctrl-C then stops a request in flight instead of waiting out its retries.
 */
export function abortable<C extends { send: (...args: never[]) => unknown }>(
  client: C,
  signal: AbortSignal | undefined,
): C {
  if (signal === undefined) return client;
  // Every call in flight listens on this one signal; a run makes dozens at once, which is not
  // the listener leak Node's warning (at 11) guards against.
  setMaxListeners(0, signal);
  const send = client.send.bind(client) as (
    command: unknown,
    options?: { abortSignal?: AbortSignal },
  ) => unknown;
  (client as { send: unknown }).send = (command: unknown, options?: { abortSignal?: AbortSignal }) =>
    send(command, { abortSignal: signal, ...options });
  return client;
}
