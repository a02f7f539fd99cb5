/**
 * A connection to an EKS cluster from what DescribeCluster returns (endpoint, base64 CA) and a
 * token provider. EKS tokens are presigned STS URLs valid for ~15 minutes, so a long bootstrap
 * outlives several of them: the token is reused until shortly before it expires, then replaced.
 * Concurrent requests that find it stale share one refresh.
 */
import type { Connection } from './http.js';

export interface ExpiringToken {
  token: string;
  expiresAt: Date;
}

export type TokenProvider = () => Promise<ExpiringToken>;

export interface EksConnectionOptions {
  endpoint: string;
  /** certificateAuthority.data from DescribeCluster: base64 of a PEM bundle. */
  caData?: string;
  token: TokenProvider;
  /** Renew this long before expiry (default 60 s), to absorb clock skew and slow requests. */
  refreshBeforeMs?: number;
  /** For tests: what "now" is. */
  now?: () => number;
}

export function eksConnection(options: EksConnectionOptions): Connection {
  const connection: Connection = {
    server: options.endpoint.startsWith('http') ? options.endpoint : `https://${options.endpoint}`,
    token: refreshingToken(options.token, options.refreshBeforeMs ?? 60_000, options.now ?? Date.now),
  };
  if (options.caData) connection.ca = Buffer.from(options.caData, 'base64').toString('utf8');
  return connection;
}

export function refreshingToken(
  provider: TokenProvider,
  marginMs: number,
  now: () => number = Date.now,
): (refresh: boolean) => Promise<string> {
  let current: ExpiringToken | undefined;
  let pending: Promise<ExpiringToken> | undefined;
  return async (refresh) => {
    const fresh = current !== undefined && current.expiresAt.getTime() - marginMs > now();
    if (fresh && !refresh) return current!.token;
    if (!pending) {
      pending = provider().finally(() => {
        pending = undefined;
      });
    }
    current = await pending;
    return current.token;
  };
}
