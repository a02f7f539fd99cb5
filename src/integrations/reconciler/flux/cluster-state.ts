/**
 * What the cluster says about its Flux installation, for the use cases that find a cluster
 * already bootstrapped: where it syncs from (destroy, diff), what it applied (its inventory), and
 * how to stop it (destroy suspends every Kustomization first, or Flux would recreate what goes).
 */
import type { Step } from '../../../primitives/plan.js';
import type { KubeClient } from '../../kube/client.js';
import { field, isRecord, type KubeObject, type ObjectRef } from '../../kube/object.js';
import type { FleetLocation } from '../reconciler.js';
import { followed } from './desired.js';
import { FLUX_NAMESPACE, GIT_REPOSITORY_API, KUSTOMIZATION_API } from './sync.js';

/** The field manager gitops writes `suspend` with, apart from kustomize-controller's. */
const DESTROY_MANAGER = 'gitops-destroy';

const ROOT = { name: FLUX_NAMESPACE, namespace: FLUX_NAMESPACE };

async function rootSync(client: KubeClient, signal?: AbortSignal): Promise<KubeObject | undefined> {
  if (!(await client.discovery.find(KUSTOMIZATION_API, 'Kustomization'))) return undefined;
  return await client.get({ apiVersion: KUSTOMIZATION_API, kind: 'Kustomization', ...ROOT }, signal);
}

/** Where the flux-system GitRepository and Kustomization point; undefined when Flux is absent. */
export async function fluxLocation(
  client: KubeClient,
  signal?: AbortSignal,
): Promise<Partial<FleetLocation> | undefined> {
  if (!(await client.discovery.find(GIT_REPOSITORY_API, 'GitRepository'))) return undefined;
  const source = await client.get({ apiVersion: GIT_REPOSITORY_API, kind: 'GitRepository', ...ROOT }, signal);
  const sync = await rootSync(client, signal);
  if (!source && !sync) return undefined;
  const out: Partial<FleetLocation> = {};
  const url = field(source, 'spec', 'url');
  const branch = field(source, 'spec', 'ref', 'branch');
  const path = field(sync, 'spec', 'path');
  if (typeof url === 'string') out.url = url;
  if (typeof branch === 'string') out.branch = branch;
  if (typeof path === 'string') out.path = path.replace(/^\.\//, '').replace(/\/+$/, '');
  return out;
}

/**
 * What the flux-system Kustomization applied, and what the Kustomizations it applied (the layers)
 * applied in turn from the same source, from their inventories.
 */
export async function fluxInventory(client: KubeClient, signal?: AbortSignal): Promise<ObjectRef[]> {
  const out = await rootInventory(client, signal);
  const queue = out.filter(isKustomizationRef);
  const seen = new Set<string>([`${FLUX_NAMESPACE}/${FLUX_NAMESPACE}`]);
  for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
    const key = `${ref.namespace ?? ''}/${ref.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const k = await client.get({ ...ref, apiVersion: KUSTOMIZATION_API }, signal);
    if (k === undefined || !followed(k)) continue;
    const more = inventoryRefs(k);
    out.push(...more);
    queue.push(...more.filter(isKustomizationRef));
  }
  return out;
}

/** What the flux-system Kustomization itself applied. */
export async function rootInventory(client: KubeClient, signal?: AbortSignal): Promise<ObjectRef[]> {
  return inventoryRefs(await rootSync(client, signal));
}

function isKustomizationRef(r: ObjectRef): boolean {
  return r.kind === 'Kustomization' && r.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');
}

/** Kinds whose readiness says a workload runs; everything else counts once applied. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'HelmRelease', 'Kustomization']);

/**
 * The profile's workloads Flux applied, without Flux's own: its controllers (the Deployments in
 * flux-system) and the root sync. HelmReleases and the layer Kustomizations live in flux-system
 * too, and they are exactly what a cluster must wait for (a release not yet installed).
 */
export async function fluxWorkloads(client: KubeClient, signal?: AbortSignal): Promise<ObjectRef[]> {
  return (await fluxInventory(client, signal)).filter((r) => WORKLOAD_KINDS.has(r.kind) && !fluxOwn(r));
}

function fluxOwn(ref: ObjectRef): boolean {
  if (ref.namespace !== FLUX_NAMESPACE) return false;
  return ref.kind === 'Deployment' || (ref.kind === 'Kustomization' && ref.name === FLUX_NAMESPACE);
}

/** Flux's inventory ids are <namespace>_<name>_<group>_<kind>, with the version beside them. */
export function inventoryRefs(kustomization: unknown): ObjectRef[] {
  const status = isRecord(kustomization) && isRecord(kustomization['status']) ? kustomization['status'] : {};
  const entries =
    isRecord(status['inventory']) && Array.isArray(status['inventory']['entries'])
      ? status['inventory']['entries']
      : [];
  const refs: ObjectRef[] = [];
  for (const e of entries) {
    if (!isRecord(e) || typeof e['id'] !== 'string') continue;
    const [namespace, name, group, kind] = e['id'].split('_');
    if (!name || !kind) continue;
    const version = typeof e['v'] === 'string' ? e['v'] : 'v1';
    refs.push({
      apiVersion: group ? `${group}/${version}` : version,
      kind,
      name,
      ...(namespace ? { namespace } : {}),
    });
  }
  return refs;
}

/**
 * Sets `suspend: true` on every Kustomization. A cluster whose API does not serve Kustomizations
 * has no Flux to stop; any other failure to list them stops the destroy, because Flux left
 * running would recreate what the next steps delete.
 */
export function fluxSuspendStep(client: KubeClient, id: string): Step {
  const active = async (signal: AbortSignal) => {
    const info = await client.discovery.find(KUSTOMIZATION_API, 'Kustomization');
    if (!info) return [];
    const all = await client.listResource(info, { signal });
    return all.filter((k) => field(k, 'spec', 'suspend') !== true);
  };
  return {
    id,
    title: 'Suspend Flux',
    async observe(ctx) {
      const list = await active(ctx.signal);
      return list.length === 0
        ? { inSync: true, summary: 'no active Kustomizations' }
        : { inSync: false, summary: `suspend ${list.length} Kustomizations` };
    },
    async apply(ctx) {
      const list = await active(ctx.signal);
      const info = await client.discovery.resolve(KUSTOMIZATION_API, 'Kustomization');
      for (const k of list) {
        await client.applyRaw(
          info,
          {
            apiVersion: KUSTOMIZATION_API,
            kind: 'Kustomization',
            metadata: { name: k.metadata.name ?? '', namespace: k.metadata.namespace ?? FLUX_NAMESPACE },
            spec: { suspend: true },
          },
          { fieldManager: DESTROY_MANAGER, force: true, signal: ctx.signal },
        );
      }
      return { result: 'updated', summary: `suspended ${list.length} Kustomizations` };
    },
  };
}
