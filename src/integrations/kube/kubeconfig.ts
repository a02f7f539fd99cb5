/**
 * Reads kubeconfig files the way kubectl does: $KUBECONFIG (a path list, merged, the first file
 * that names an entry wins) or ~/.kube/config, then one context. Static credentials (token,
 * token file, client certificate, basic auth) are handled here directly; users that need an
 * exec plugin or an auth provider are handed to @kubernetes/client-node, loaded only then.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { userError } from '../../primitives/errors.js';
import { parseYamlValues } from '../../primitives/yaml.js';
import type { Connection } from './http.js';
import { isRecord } from './object.js';

export interface KubeconfigOptions {
  /** A kubeconfig file or a path list; defaults to $KUBECONFIG, then ~/.kube/config. */
  path?: string;
  /** Defaults to the current-context. */
  context?: string;
  /** Where $KUBECONFIG and $HOME come from. */
  env: NodeJS.ProcessEnv;
}

export interface ResolvedKubeconfig {
  connection: Connection;
  context: string;
  cluster: string;
  user: string;
  namespace?: string;
  /** The files that were read, in precedence order. */
  files: string[];
}

interface Named {
  name: string;
  value: Record<string, unknown>;
  /** Relative paths inside an entry are relative to the file that defined it. */
  dir: string;
  file: string;
}

export function kubeconfigFiles(options: KubeconfigOptions): string[] {
  const env = options.env;
  const list = options.path ?? env.KUBECONFIG;
  if (list !== undefined && list !== '') return list.split(delimiter).filter((p) => p !== '');
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

export async function loadKubeconfig(options: KubeconfigOptions): Promise<ResolvedKubeconfig> {
  const files = kubeconfigFiles(options);
  const clusters = new Map<string, Named>();
  const users = new Map<string, Named>();
  const contexts = new Map<string, Named>();
  let current: string | undefined;
  let read = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      // kubectl skips missing files in a path list, but a single explicit file must exist.
      if (files.length > 1 && (e as { code?: unknown }).code === 'ENOENT') continue;
      throw userError('GITOPS_BAD_CONFIG', `cannot read kubeconfig ${file}: ${(e as Error).message}`, {
        hint: 'pass --kubeconfig FILE or set KUBECONFIG',
      });
    }
    read++;
    const docs = parseYamlValues(text, `kubeconfig ${file}`, {
      code: 'GITOPS_BAD_CONFIG',
      describe: ({ line, reason }) =>
        `kubeconfig ${file} is not valid YAML: ${reason}${line === undefined ? '' : ` (line ${line + 1})`}`,
    });
    if (docs.length > 1)
      throw userError('GITOPS_BAD_CONFIG', `kubeconfig ${file} holds several YAML documents`);
    const doc = docs[0];
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw userError('GITOPS_BAD_CONFIG', `kubeconfig ${file} is not a mapping`);
    const dir = dirname(resolve(file));
    collect(doc.clusters, 'cluster', clusters, dir, file);
    collect(doc.users, 'user', users, dir, file);
    collect(doc.contexts, 'context', contexts, dir, file);
    if (
      current === undefined &&
      typeof doc['current-context'] === 'string' &&
      doc['current-context'] !== ''
    ) {
      current = doc['current-context'];
    }
  }
  if (read === 0) throw userError('GITOPS_BAD_CONFIG', `no kubeconfig found (looked at ${files.join(', ')})`);

  const contextName = options.context ?? current;
  if (contextName === undefined) {
    throw userError('GITOPS_BAD_CONFIG', 'the kubeconfig has no current-context', {
      hint: `pick one with --context (known: ${[...contexts.keys()].join(', ') || 'none'})`,
    });
  }
  const context = contexts.get(contextName);
  if (!context) {
    throw userError('GITOPS_BAD_CONFIG', `context "${contextName}" is not in the kubeconfig`, {
      hint: `known contexts: ${[...contexts.keys()].join(', ') || 'none'}`,
    });
  }
  const clusterName = str(context.value.cluster);
  const userName = str(context.value.user) ?? '';
  const cluster = clusterName === undefined ? undefined : clusters.get(clusterName);
  if (!cluster) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `context "${contextName}" refers to unknown cluster "${clusterName}"`,
    );
  }
  const user = users.get(userName);
  const server = str(cluster.value.server);
  if (!server) throw userError('GITOPS_BAD_CONFIG', `cluster "${cluster.name}" has no server URL`);

  const connection: Connection = { server };
  const ca = pem(cluster, 'certificate-authority-data', 'certificate-authority');
  if (ca !== undefined) connection.ca = ca;
  if (cluster.value['insecure-skip-tls-verify'] === true) connection.insecureSkipTlsVerify = true;
  const serverName = str(cluster.value['tls-server-name']);
  if (serverName) connection.tlsServerName = serverName;
  if (user) await applyUser(connection, user, contextName, files);

  const namespace = str(context.value.namespace);
  return {
    connection,
    context: contextName,
    cluster: cluster.name,
    user: userName,
    ...(namespace ? { namespace } : {}),
    files,
  };
}

async function applyUser(
  connection: Connection,
  user: Named,
  context: string,
  files: string[],
): Promise<void> {
  const u = user.value;
  if (u.exec !== undefined || u['auth-provider'] !== undefined) {
    connection.headers = await pluginHeaders(files, context);
    return;
  }
  const cert = pem(user, 'client-certificate-data', 'client-certificate');
  const key = pem(user, 'client-key-data', 'client-key');
  if (cert !== undefined) connection.clientCert = cert;
  if (key !== undefined) connection.clientKey = key;
  const token = str(u.token);
  const tokenFile = str(u.tokenFile);
  if (token) {
    connection.token = async () => token;
  } else if (tokenFile) {
    const path = absolute(user.dir, tokenFile);
    // Projected service-account tokens rotate on disk; re-read now and then.
    let cached: { value: string; at: number } | undefined;
    connection.token = async (refresh) => {
      if (refresh || !cached || Date.now() - cached.at > 60_000) {
        cached = { value: readFileSync(path, 'utf8').trim(), at: Date.now() };
      }
      return cached.value;
    };
  } else if (str(u.username) !== undefined) {
    const basic = Buffer.from(`${str(u.username)}:${str(u.password) ?? ''}`).toString('base64');
    connection.headers = async () => ({ Authorization: `Basic ${basic}` });
  }
}

/** Exec plugins and auth providers: delegate to client-node, which runs and caches them. */
async function pluginHeaders(
  files: string[],
  context: string,
): Promise<() => Promise<Record<string, string>>> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (files.length === 1) kc.loadFromFile(files[0]!);
  else kc.loadFromDefault({}, false);
  kc.setCurrentContext(context);
  return async () => {
    const opts: { headers?: Record<string, unknown> } = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') out[k] = v;
    return out;
  };
}

function collect(list: unknown, key: string, into: Map<string, Named>, dir: string, file: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || into.has(item.name)) continue;
    const value = item[key];
    into.set(item.name, { name: item.name, value: isRecord(value) ? value : {}, dir, file });
  }
}

function pem(entry: Named, dataKey: string, fileKey: string): string | undefined {
  const data = str(entry.value[dataKey]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = str(entry.value[fileKey]);
  if (!file) return undefined;
  const path = absolute(entry.dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${entry.file}: cannot read ${fileKey} ${path}: ${(e as Error).message}`,
    );
  }
}

function absolute(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
