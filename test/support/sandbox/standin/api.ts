/**
 * The stand-in's own small Kubernetes API client: plain HTTPS with the TLS and token settings of
 * a kubeconfig (read by @kubernetes/client-node's KubeConfig). It shares nothing with the
 * product's kube client on purpose: the sandbox must not check the product with the product.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export type Obj = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Meta;
};

export interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

/** An answer of the apiserver other than 2xx, with its Status reason when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** What kubectl and controller-runtime say for a kind no API group serves. */
export class NoKindMatchError extends Error {
  constructor(kind: string, apiVersion: string) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }
}

const DISCOVERY_TTL_MS = 2000;

const REQUEST_TIMEOUT_MS = 20_000;

export class Api {
  private readonly discovery = new Map<string, { at: number; kinds: Map<string, ResourceInfo> | null }>();

  private constructor(
    private readonly server: URL,
    private readonly base: RequestOptions,
  ) {}

  static async fromKubeconfig(path: string): Promise<Api> {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`${path}: no current cluster`);
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    return new Api(new URL(cluster.server), opts);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: unknown }> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          ...this.base,
          host: this.server.hostname,
          port: this.server.port,
          method,
          path,
          headers: {
            ...(this.base.headers ?? {}),
            accept: 'application/json',
            ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}),
          },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      // A request the apiserver never answers would stop every later pass of the stand-in.
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)),
      );
      req.end(data);
    });
    let parsed: unknown = res.text;
    try {
      parsed = res.text === '' ? undefined : JSON.parse(res.text);
    } catch {
      // not JSON: keep the text for the message
    }
    if (res.status < 200 || res.status >= 300) {
      const s = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
      const message = typeof s['message'] === 'string' ? s['message'] : String(res.text).slice(0, 300);
      throw new ApiError(res.status, typeof s['reason'] === 'string' ? s['reason'] : '', message);
    }
    return { status: res.status, body: parsed };
  }

  /** The resource serving apiVersion/kind, or undefined when none does (re-asked after 2 s). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const cached = this.discovery.get(apiVersion);
    const hit = cached?.kinds?.get(kind);
    if (hit) return hit;
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return undefined;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let kinds: Map<string, ResourceInfo> | null = null;
    try {
      const { body } = await this.request('GET', path);
      kinds = new Map();
      const list = (body as { resources?: { name: string; kind: string; namespaced: boolean }[] }).resources;
      for (const r of list ?? []) {
        if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.discovery.set(apiVersion, { at: Date.now(), kinds });
    return kinds?.get(kind);
  }

  /** Forgets what discovery said (after a CRD was installed, say). */
  forget(apiVersion?: string): void {
    if (apiVersion === undefined) this.discovery.clear();
    else this.discovery.delete(apiVersion);
  }

  async path(ref: Omit<Ref, 'name'> & { name?: string }, sub = ''): Promise<string> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    if (!info) throw new NoKindMatchError(ref.kind, ref.apiVersion);
    const prefix = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const ns = info.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
    const name = ref.name === undefined ? '' : `/${encodeURIComponent(ref.name)}`;
    return `${prefix}${ns}/${info.plural}${name}${sub}`;
  }

  async get(ref: Ref): Promise<Obj | undefined> {
    try {
      return (await this.request('GET', await this.path(ref))).body as Obj;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Every object of a kind in every namespace; none when the kind is not served. */
  async list(apiVersion: string, kind: string): Promise<Obj[]> {
    if (!(await this.resource(apiVersion, kind))) return [];
    const { body } = await this.request('GET', await this.path({ apiVersion, kind }));
    return ((body as { items?: Obj[] }).items ?? []).map((o) => ({ ...o, apiVersion, kind }));
  }

  /** Server-side apply (force), as kustomize-controller does; `dryRun` asks the server to check only. */
  async apply(obj: Obj, fieldManager: string, dryRun = false): Promise<Obj> {
    const path = await this.path({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name ?? '',
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    });
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true${dryRun ? '&dryRun=All' : ''}`;
    const { body } = await this.request('PATCH', path + query, obj, 'application/apply-patch+yaml');
    return body as Obj;
  }

  /** A JSON merge patch of the status subresource. */
  async patchStatus(ref: Ref, status: Record<string, unknown>): Promise<void> {
    await this.request('PATCH', await this.path(ref, '/status'), { status }, 'application/merge-patch+json');
  }

  async mergePatch(ref: Ref, patch: Record<string, unknown>): Promise<void> {
    await this.request('PATCH', await this.path(ref), patch, 'application/merge-patch+json');
  }

  /** Deletes in the background as Flux's garbage collection does; false when it was gone. */
  async delete(ref: Ref): Promise<boolean> {
    try {
      await this.request('DELETE', await this.path(ref), { propagationPolicy: 'Background' });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  }
}

export function refOf(o: Obj): Ref {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name ?? '',
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads a nested field, undefined when any step is missing. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (typeof p === 'number' ? !Array.isArray(cur) : !isRecord(cur)) return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
