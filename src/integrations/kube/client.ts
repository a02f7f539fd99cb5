/**
 * The Kubernetes client the rest of the project uses: object-level calls (get, list, apply,
 * status, delete) over one keep-alive connection, with discovery shared by every call of a run.
 * Built from a kubeconfig context, or from an EKS endpoint + CA + token provider.
 */
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { Discovery, type ResourceInfo, resourcePath } from './discovery.js';
import { eksConnection, type EksConnectionOptions } from './eks.js';
import { type Connection, isApiStatus, KubeHttp } from './http.js';
import { type KubeconfigOptions, loadKubeconfig } from './kubeconfig.js';
import { describeRef, isRecord, type KubeObject, type ObjectRef } from './object.js';

export const FIELD_MANAGER = 'gitops';

export interface ClientOptions {
  /** Parallel connections to the API server (default 16). */
  maxSockets?: number;
  timeoutMs?: number;
  /** Stops every call that does not bring a signal of its own (a command's --timeout, Ctrl-C). */
  signal?: AbortSignal;
  /** Discovery learns every group from one read of /apis (a run that only reads; see Discovery). */
  groupsAtOnce?: boolean;
}

export interface ApplyRequest {
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Ask for metadata only (PartialObjectMetadataList): far less to send for big objects. */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json';

export class KubeClient {
  readonly http: KubeHttp;
  readonly discovery: Discovery;
  /** The kubeconfig context, when built from one. */
  readonly context: string | undefined;
  readonly namespace: string | undefined;

  constructor(
    connection: Connection,
    options: ClientOptions & { context?: string; namespace?: string } = {},
  ) {
    this.http = new KubeHttp(connection, options);
    this.discovery = new Discovery(this.http, { groupsAtOnce: options.groupsAtOnce === true });
    this.context = options.context;
    this.namespace = options.namespace;
  }

  get server(): string {
    return this.http.server;
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const info = await this.discovery.resolve(ref.apiVersion, ref.kind);
    try {
      const res = await this.http.request<KubeObject>({
        method: 'GET',
        path: resourcePath(info, ref.namespace, ref.name),
        ...(signal ? { signal } : {}),
      });
      return res.body;
    } catch (e) {
      if (isApiStatus(e, 404)) return undefined;
      throw wrap(e, `read ${describeRef(ref)}`);
    }
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const info = await this.discovery.resolve(apiVersion, kind);
    return await this.listResource(info, options);
  }

  async listResource(info: ResourceInfo, options: ListOptions = {}): Promise<KubeObject[]> {
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: resourcePath(info, options.namespace),
        query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
        ...(options.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const items = isRecord(res.body) && Array.isArray(res.body.items) ? res.body.items : [];
      // Items of a list carry no apiVersion/kind; put them back so callers can name them.
      const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
      return items.filter(isRecord).map((item) => ({
        ...(item as KubeObject),
        apiVersion,
        kind: info.kind,
        metadata: isRecord(item.metadata) ? (item.metadata as KubeObject['metadata']) : {},
      }));
    } catch (e) {
      if (isApiStatus(e, 404)) return [];
      throw wrap(e, `list ${info.resource}${options.namespace ? ` in ${options.namespace}` : ''}`);
    }
  }

  /**
   * Server-side apply of one object. Returns the object as stored (or as it would be, with
   * dryRun) and the HTTP status: 201 means it was created. Errors are KubeApiError, so that the
   * apply engine can name the object and field.
   */
  async applyRaw(
    info: ResourceInfo,
    obj: KubeObject,
    request: ApplyRequest = {},
  ): Promise<{ status: number; object: KubeObject }> {
    const res = await this.http.request<KubeObject>({
      method: 'PATCH',
      path: resourcePath(info, obj.metadata.namespace, obj.metadata.name),
      query: {
        fieldManager: request.fieldManager ?? FIELD_MANAGER,
        force: request.force ? true : undefined,
        dryRun: request.dryRun ? 'All' : undefined,
      },
      // JSON is YAML, and the API server parses apply patches as YAML.
      contentType: 'application/apply-patch+yaml',
      body: obj,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return { status: res.status, object: res.body };
  }

  /** Writes the status subresource as a controller would (merge patch). */
  async patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<KubeObject> {
    const info = await this.discovery.resolve(ref.apiVersion, ref.kind);
    try {
      const res = await this.http.request<KubeObject>({
        method: 'PATCH',
        path: `${resourcePath(info, ref.namespace, ref.name)}/status`,
        contentType: 'application/merge-patch+json',
        body: { status },
      });
      return res.body;
    } catch (e) {
      throw wrap(e, `write the status of ${describeRef(ref)}`);
    }
  }

  /** Deletes one object; true if it existed. */
  async delete(ref: ObjectRef, options: { propagation?: 'Background' | 'Foreground' | 'Orphan' } = {}) {
    const info = await this.discovery.resolve(ref.apiVersion, ref.kind);
    try {
      await this.http.request({
        method: 'DELETE',
        path: resourcePath(info, ref.namespace, ref.name),
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: options.propagation ?? 'Background',
        },
      });
      return true;
    } catch (e) {
      if (isApiStatus(e, 404)) return false;
      throw wrap(e, `delete ${describeRef(ref)}`);
    }
  }

  /** Answers whether the API server is reachable and ready. */
  async ready(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: '/readyz',
        accept: 'text/plain',
        timeoutMs: 5000,
        ...(signal ? { signal } : {}),
      });
      return res.body === 'ok';
    } catch {
      return false;
    }
  }

  close(): void {
    this.http.close();
  }
}

export async function kubeClientFromKubeconfig(
  options: KubeconfigOptions & ClientOptions,
): Promise<KubeClient> {
  const resolved = await loadKubeconfig(options);
  return new KubeClient(resolved.connection, {
    ...options,
    context: resolved.context,
    ...(resolved.namespace ? { namespace: resolved.namespace } : {}),
  });
}

export function kubeClientForEks(options: EksConnectionOptions & ClientOptions): KubeClient {
  return new KubeClient(eksConnection(options), options);
}

function wrap(e: unknown, what: string) {
  if (isGitopsError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return systemError('GITOPS_KUBE', `cannot ${what}: ${message}`, { cause: e });
}
