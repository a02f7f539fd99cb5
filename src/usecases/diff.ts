/**
 * `gitops diff`: drift between the fleet repo and the cluster. The desired objects are what the
 * reconciler would apply from its folder at the branch head; each is compared with the cluster by a
 * server-side dry-run apply (so defaults and admission are taken into account); objects the reconciler
 * applied before (its inventory) that Git no longer has are reported as orphaned. An inventory
 * object that cannot be read is an error, never "gone".
 */
import { checkoutFleet } from '../integrations/git/checkout.js';
import type { KubeClient } from '../integrations/kube/client.js';
import { diffObjects } from '../integrations/kube/diff.js';
import { describeRef, type KubeObject, type ObjectRef, refKey, refOf } from '../integrations/kube/object.js';
import type { Reconciler } from '../integrations/reconciler/reconciler.js';
import { systemError } from '../primitives/errors.js';
import { abortError } from '../primitives/wait.js';
import type { Clients } from './clients.js';
import { connectOrFail } from './connect.js';

export interface DriftEntry {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  state: 'missing' | 'differs' | 'orphaned';
  fields?: string[];
  error?: string;
}

export interface DiffDocument {
  inSync: boolean;
  fleet: { url: string; branch: string; path: string; revision: string };
  compared: number;
  drift: DriftEntry[];
  /** Objects whose API the cluster does not serve: not compared, and said so. */
  skipped: { ref: string; reason: string }[];
}

export interface DiffRequest {
  client: KubeClient;
  reconciler: Reconciler;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

export async function clusterDiff(req: DiffRequest): Promise<DiffDocument> {
  const { client, reconciler, signal } = req;
  const location = await reconciler.location(client, signal);
  if (!location?.url || !location.path) {
    throw systemError('GITOPS_RECONCILER', `the cluster has no ${reconciler.name} sync to compare with`, {
      hint: 'run gitops bootstrap first',
    });
  }
  const url = location.url;
  const branch = location.branch ?? 'main';
  const path = location.path;
  const checkout = await checkoutFleet(url, branch, { env: req.env, signal });
  try {
    const desired = await reconciler.desired(checkout.dir, path);
    const comparable: KubeObject[] = [];
    const skipped: DiffDocument['skipped'] = [];
    for (const obj of desired.objects) {
      const info =
        (await client.discovery.find(obj.apiVersion, obj.kind)) ??
        (await client.discovery.find(obj.apiVersion, obj.kind, true));
      if (info)
        comparable.push(
          info.namespaced && !obj.metadata.namespace
            ? { ...obj, metadata: { ...obj.metadata, namespace: desired.defaultNamespace } }
            : obj,
        );
      else
        skipped.push({
          ref: describeRef(refOf(obj)),
          reason: `${obj.apiVersion} is not served by the cluster`,
        });
    }
    // Compare as the reconciler's field manager would see it: its own fields are not drift.
    const drifts = await diffObjects(client, comparable, {
      fieldManager: desired.fieldManager,
      ...(signal ? { signal } : {}),
    });
    const drift: DriftEntry[] = drifts
      .filter((d) => d.state !== 'in-sync')
      .map((d) => ({
        ...entry(d.ref),
        state: d.state as 'missing' | 'differs',
        ...(d.fields ? { fields: d.fields } : {}),
        ...(d.error ? { error: d.error } : {}),
      }));
    const wanted = new Set([...comparable, ...desired.objects].map((o) => refKey(refOf(o))));
    for (const ref of await reconciler.inventory(client, signal)) {
      if (!wanted.has(refKey(ref)) && (await client.get(ref, signal)))
        drift.push({ ...entry(ref), state: 'orphaned' });
    }
    return {
      inSync: drift.length === 0,
      fleet: { url, branch, path, revision: checkout.revision },
      compared: comparable.length,
      drift,
      skipped,
    };
  } finally {
    await checkout.remove();
  }
}

function entry(ref: ObjectRef): Omit<DriftEntry, 'state'> {
  return {
    kind: ref.kind,
    apiVersion: ref.apiVersion,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
  };
}

/** `gitops diff --cluster`: connect (EKS token, or --kubeconfig), compare, close. */
export async function diffCluster(
  clients: Clients,
  cluster: string,
  options: { kubeconfig?: string | undefined; signal?: AbortSignal | undefined },
): Promise<DiffDocument> {
  try {
    const { client } = await connectOrFail(clients.aws, cluster, {
      ...options,
      env: clients.env,
      purpose: 'nothing to compare',
    });
    try {
      return await clusterDiff({
        client,
        reconciler: clients.reconciler,
        env: clients.env,
        signal: options.signal,
      });
    } finally {
      client.close();
    }
  } catch (e) {
    // An SDK call (describing the cluster too) or a git command cut short by the deadline fails
    // with its own abort error, which would read as an interrupt; the answer is the deadline's.
    if (options.signal?.aborted) throw abortError(options.signal);
    throw e;
  }
}
