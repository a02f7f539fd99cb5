/**
 * The HTTP side of talking to a Kubernetes API server: keep-alive HTTPS on node:https, bearer
 * tokens asked for per request (so a refreshing provider works), JSON in and out, a few
 * retries for what is safe to retry, and Kubernetes `Status` bodies turned into KubeApiError.
 *
 * Why not the transport of @kubernetes/client-node: loading that package costs well over a
 * second of CPU (it imports every generated API class), which a CLI pays on every run, and its
 * per-request path re-serialises known types. Only requests and auth are needed here.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { systemError } from '../../primitives/errors.js';
import { abortError, sleep } from '../../primitives/wait.js';
import { isRecord } from './object.js';

export interface Connection {
  /** https://host:port, possibly with a path prefix. */
  server: string;
  /** PEM bundle of the cluster CA; the system roots when absent. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  clientCert?: string;
  clientKey?: string;
  /** Bearer token for each request; `refresh` asks for a new one after a 401. */
  token?: (refresh: boolean) => Promise<string>;
  /** Other per-request headers (basic auth, exec plugins through client-node). */
  headers?: () => Promise<Record<string, string>>;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** The API server's `Status` object: reason, message and, for validation, the causes. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  readonly causes: readonly StatusCause[];
  readonly method: Method;
  readonly path: string;

  constructor(method: Method, path: string, status: number, body: unknown) {
    const message = isRecord(body) && typeof body.message === 'string' ? body.message : undefined;
    super(message ?? `${method} ${path}: HTTP ${status}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.reason = isRecord(body) && typeof body.reason === 'string' ? body.reason : undefined;
    const causes = isRecord(body) && isRecord(body.details) ? body.details.causes : undefined;
    this.causes = Array.isArray(causes)
      ? causes.filter(isRecord).map((c) => ({
          ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
          ...(typeof c.message === 'string' ? { message: c.message } : {}),
          ...(typeof c.field === 'string' ? { field: c.field } : {}),
        }))
      : [];
  }
}

export function isApiStatus(e: unknown, status: number): e is KubeApiError {
  return e instanceof KubeApiError && e.status === status;
}

const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN']);

export class KubeHttp {
  readonly server: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly connection: Connection;
  private readonly defaultTimeoutMs: number;
  private readonly defaultSignal: AbortSignal | undefined;

  constructor(
    connection: Connection,
    options: { maxSockets?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    this.connection = connection;
    this.defaultSignal = options.signal;
    // Every request in flight listens on the client's signal; many at once is expected.
    if (options.signal) setMaxListeners(0, options.signal);
    this.server = connection.server.replace(/\/+$/, '');
    this.base = new URL(this.server);
    this.defaultTimeoutMs = options.timeoutMs ?? 60_000;
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      rejectUnauthorized: !connection.insecureSkipTlsVerify,
    };
    if (this.base.protocol === 'https:') {
      // One TLS context for every socket of this client: built per socket, parsing the CA bundle
      // and the client key again costs more than the handshake's own crypto (status --all opens
      // a few sockets to each of many clusters).
      agentOptions.secureContext = tls.createSecureContext({
        ...(connection.ca !== undefined ? { ca: connection.ca } : {}),
        ...(connection.clientCert !== undefined ? { cert: connection.clientCert } : {}),
        ...(connection.clientKey !== undefined ? { key: connection.clientKey } : {}),
      });
    }
    if (connection.tlsServerName !== undefined) agentOptions.servername = connection.tlsServerName;
    this.agent =
      this.base.protocol === 'http:' ? new http.Agent(agentOptions) : new https.Agent(agentOptions);
  }

  async request<T = unknown>(request: RequestOptions): Promise<KubeResponse<T>> {
    // A call without a signal of its own still stops with the client's (a command's --timeout).
    const signal = request.signal ?? this.defaultSignal;
    const options = signal === undefined ? request : { ...request, signal };
    let refreshToken = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(options, refreshToken);
      } catch (e) {
        // An aborted request fails with the abort's reason (a plan deadline, an interrupt),
        // not with a transport error that would hide it.
        if (options.signal?.aborted) throw abortError(options.signal);
        if (e instanceof KubeApiError) {
          // A token can expire between our refresh margin and the server's clock: refresh once.
          if (e.status === 401 && this.connection.token !== undefined && !refreshToken) {
            refreshToken = true;
            continue;
          }
          const retryable = e.status === 429 || e.status === 503 || e.status === 504;
          if (!retryable || attempt >= 5) throw e;
        } else {
          const code = (e as { code?: unknown }).code;
          const network = typeof code === 'string' && RETRYABLE_NETWORK.has(code);
          if (!network) throw e;
          // About 7 s of retries rides out a short API restart; past that, say which API is away.
          if (attempt >= 8) {
            throw systemError(
              'GITOPS_KUBE',
              `the Kubernetes API at ${this.server} did not answer (${code})`,
              {
                hint: 'the cluster API may be restarting or unreachable from here; run the same command again',
                cause: e,
              },
            );
          }
        }
        await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)), options.signal);
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async once<T>(options: RequestOptions, refreshToken: boolean): Promise<KubeResponse<T>> {
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (this.connection.headers) Object.assign(headers, await this.connection.headers());
    if (this.connection.token) headers.Authorization = `Bearer ${await this.connection.token(refreshToken)}`;
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const url = this.url(options.path, options.query);
    const transport = url.protocol === 'http:' ? http : https;
    return await new Promise<KubeResponse<T>>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: options.method,
          headers,
          agent: this.agent,
          timeout: options.timeoutMs ?? this.defaultTimeoutMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if (text !== '' && /json/.test(String(res.headers['content-type'] ?? ''))) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            if (status >= 200 && status < 300) resolve({ status, body: body as T });
            else reject(new KubeApiError(options.method, options.path, status, body));
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(
          Object.assign(new Error(`${options.method} ${options.path}: timed out`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private url(path: string, query: RequestOptions['query']): URL {
    const url = new URL(this.base.href.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }
}
