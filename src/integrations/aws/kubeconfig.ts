/**
 * `gitops kubeconfig`: merges one cluster, one user and one context into a kubeconfig without
 * touching the other entries (comments and order are kept: the file is edited as a YAML
 * document, not re-serialised from data). The user is an exec plugin that runs `gitops token`,
 * so no token is ever stored in the file. The new file is written next to the old one and
 * renamed over it, so a reader never sees half a file, with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Document, isMap, isSeq, type YAMLSeq } from 'yaml';
import { isGitopsError, userError } from '../../primitives/errors.js';
import { parseYamlDocument } from '../../primitives/yaml.js';
import { EXEC_API_VERSION } from './token.js';

export interface KubeconfigCluster {
  /** The EKS cluster name (what `gitops token --cluster` takes). */
  name: string;
  region: string;
  /** Cluster ARN: the name of the cluster and user entries, unique across accounts and regions. */
  arn: string;
  endpoint: string;
  /** Base64 CA bundle from DescribeCluster. */
  certificateAuthority: string;
}

export interface KubeconfigOptions {
  /** File to merge into (see defaultKubeconfigPath). */
  path: string;
  /** Default `<cluster>.<region>`. */
  contextName?: string;
  /** Make it the current context (default true, as `aws eks update-kubeconfig` does). */
  setCurrentContext?: boolean;
  /** The program kubectl runs; default `gitops`. */
  command?: string;
  /** Arguments before `token ...`, e.g. the script path when the command is `node`. */
  commandArgs?: string[];
  /** AWS profile the token command should use (written as AWS_PROFILE in the exec env). */
  profile?: string;
}

export interface KubeconfigResult {
  path: string;
  contextName: string;
}

/** `$KUBECONFIG` (its first path) or `~/.kube/config`, as kubectl reads them. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv): string {
  const first = (env['KUBECONFIG'] ?? '').split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(homedir(), '.kube', 'config');
}

export function contextNameFor(cluster: Pick<KubeconfigCluster, 'name' | 'region'>): string {
  return `${cluster.name}.${cluster.region}`;
}

export async function mergeKubeconfig(
  cluster: KubeconfigCluster,
  options: KubeconfigOptions,
): Promise<KubeconfigResult> {
  const path = options.path;
  const contextName = options.contextName ?? contextNameFor(cluster);
  const doc = await load(path);
  const server = cluster.endpoint.startsWith('http') ? cluster.endpoint : `https://${cluster.endpoint}`;
  upsert(doc, 'clusters', cluster.arn, {
    name: cluster.arn,
    cluster: { server, 'certificate-authority-data': cluster.certificateAuthority },
  });
  upsert(doc, 'users', cluster.arn, {
    name: cluster.arn,
    user: {
      exec: {
        apiVersion: EXEC_API_VERSION,
        command: options.command ?? 'gitops',
        args: [
          ...(options.commandArgs ?? []),
          'token',
          '--cluster',
          cluster.name,
          '--region',
          cluster.region,
        ],
        env: options.profile ? [{ name: 'AWS_PROFILE', value: options.profile }] : null,
        interactiveMode: 'Never',
        provideClusterInfo: false,
      },
    },
  });
  upsert(doc, 'contexts', contextName, {
    name: contextName,
    context: { cluster: cluster.arn, user: cluster.arn },
  });
  if (options.setCurrentContext ?? true) doc.set('current-context', contextName);
  await writeAtomically(path, doc.toString());
  return { path, contextName };
}

/** Refuses, before anything changes, a kubeconfig that mergeKubeconfig would refuse at the end. */
export async function checkKubeconfigFile(path: string): Promise<void> {
  await load(path);
}

async function load(path: string): Promise<Document> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    text = '';
  }
  if (text.trim() === '') {
    return new Document({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [],
      users: [],
      contexts: [],
    });
  }
  const invalid = (why: string) =>
    userError('GITOPS_BAD_CONFIG', `${path} is not a valid kubeconfig: ${why}`, {
      hint: 'fix or move the file, or pass --kubeconfig with another path; it was not changed',
    });
  let doc: Document.Parsed;
  try {
    ({ doc } = parseYamlDocument(text, path));
  } catch (e) {
    if (isGitopsError(e)) throw invalid(readerReason(e.message, path));
    throw e;
  }
  if (!isMap(doc.contents)) throw invalid('not a YAML mapping');
  return doc;
}

/** The YAML reader's own words without the path it starts with, so the message names it once. */
function readerReason(message: string, path: string): string {
  if (!message.startsWith(path)) return message;
  return message
    .slice(path.length)
    .replace(/^:(\d+):/, 'line $1:')
    .replace(/^:\s*/, '');
}

/** Replaces the entry with this name in a list, or appends it; other entries stay as they are. */
function upsert(doc: Document, key: 'clusters' | 'users' | 'contexts', name: string, value: object): void {
  let seq = doc.get(key);
  if (!isSeq(seq)) {
    doc.set(key, doc.createNode([]));
    seq = doc.get(key);
  }
  const items = (seq as YAMLSeq).items;
  const node = doc.createNode(value);
  const index = items.findIndex((item) => isMap(item) && item.get('name') === name);
  if (index >= 0) items[index] = node;
  else items.push(node);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The mode given to open() is masked by the umask; make sure it is exactly 0600.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
