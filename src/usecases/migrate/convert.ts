/**
 * The fleet side of `gitops migrate`: from a checkout (with history) of a cluster folder in the
 * layout before layers to the change that converts it. The spec and parameters come from what the
 * folder records (cluster.yaml, profile/source.yaml), the kinds the reconciler serves from the
 * install manifests it holds (where they are is the reconciler's: manifestsFile), the team's edits
 * from comparing it with gitops's last bootstrap commit; and before anything is pushed the
 * converted tree is built as the reconciler would build it, to check that
 * every carried edit comes out as the team made it.
 *
 * The earlier layout had no cluster-values.yaml (what provisioning produced, which today's
 * HelmReleases read through valuesFrom: the load balancer controller's VPC id), so the converted
 * folder gets it as bootstrap writes it. Without it the controllers layer never becomes ready, the
 * layers after it are never applied, and the hand-over waits for them until the timeout.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jsonpatch from 'fast-json-patch';
import type { FleetEdit } from '../../integrations/git/edit.js';
import { treeOf } from '../../integrations/git/edit.js';
import type { FleetHistory } from '../../integrations/git/history.js';
import { isRecord, type KubeObject } from '../../integrations/kube/object.js';
import { partitionOf } from '../../integrations/aws/iam.js';
import { resolveProfile } from '../../integrations/profiles/catalog.js';
import { CLUSTER_VALUES_FILE } from '../../integrations/profiles/cluster-values.js';
import { forComputeMode } from '../../integrations/profiles/auto-mode.js';
import { clusterChange } from '../../integrations/profiles/fleet-change.js';
import { CLUSTER_SPEC_FILE } from '../../integrations/profiles/layout.js';
import { type CarriedEdit, migrationEdits } from '../../integrations/profiles/migrate.js';
import { type RenderedCluster, renderCluster } from '../../integrations/profiles/render.js';
import type { Reconciler } from '../../integrations/reconciler/reconciler.js';
import { userError } from '../../primitives/errors.js';
import { parseYamlText } from '../../primitives/yaml.js';
import { parseClusterFile } from '../../spec/cluster-file.js';
import type { ClusterSpec } from '../../spec/schema.js';

export interface Conversion {
  rendered: RenderedCluster;
  edits: CarriedEdit[];
  /** The change against the tip the conversion was computed on. */
  edit: FleetEdit;
  /** The commit gitops's earlier rendering was taken from, when one was found. */
  baseline: string | undefined;
  /** The VPC id written into cluster-values.yaml; undefined when neither EKS nor the folder said. */
  vpcId: string | undefined;
}

export async function convert(input: {
  history: FleetHistory;
  path: string;
  cluster: string;
  reconciler: Reconciler;
  env: NodeJS.ProcessEnv;
  /** The cluster's Kubernetes version, for a cluster.yaml that does not record one. */
  kubernetesVersion: string | undefined;
  /** The cluster's VPC as EKS describes it (undefined when it was not described). */
  vpcId: string | undefined;
  signal?: AbortSignal | undefined;
}): Promise<Conversion> {
  const { history, path: folder } = input;
  const tip = treeOf(history.dir, history.head);
  const specText = await tip.read(`${folder}/cluster.yaml`);
  const record = await tip.read(`${folder}/profile/source.yaml`);
  const componentsFile = `${folder}/${input.reconciler.manifestsFile}`;
  const components = await tip.read(componentsFile);
  if (specText === undefined || record === undefined || components === undefined) {
    throw userError(
      'GITOPS_NOT_FOUND',
      `${folder} lacks cluster.yaml, profile/source.yaml or ${input.reconciler.manifestsFile} of the earlier layout`,
    );
  }
  const requested = parseClusterFile(specText, `${folder}/cluster.yaml`, input.cluster);
  const kubernetesVersion = requested.kubernetesVersion ?? input.kubernetesVersion;
  if (kubernetesVersion === undefined) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${folder}/cluster.yaml records no kubernetesVersion, and the cluster cannot say`,
    );
  }
  const spec: ClusterSpec = { ...requested, kubernetesVersion };
  const profile = forComputeMode(
    await resolveProfile(spec.profile.source, {
      env: input.env,
      ...(input.signal ? { signal: input.signal } : {}),
    }),
    spec.compute,
  );
  const manifests = input.reconciler.recordedManifests(components, componentsFile);
  const accountId = accountOf(record, folder);
  const vpcId = input.vpcId ?? recordedVpcId(await tip.read(`${folder}/${CLUSTER_VALUES_FILE}`));
  const rendered = renderCluster({
    spec,
    profile,
    accountId,
    reconciler: { name: input.reconciler.name, kinds: input.reconciler.apiKinds(manifests) },
    clusterValues: {
      clusterName: spec.name,
      region: spec.region,
      accountId,
      partition: partitionOf(spec.region),
      ...(vpcId === undefined ? {} : { vpcId }),
    },
  });
  const baseline = await history.lastCommit(folder, `gitops: bootstrap ${input.cluster} `);
  const toolDir =
    baseline === undefined ? undefined : await mkdtemp(path.join(os.tmpdir(), 'gitops-baseline-'));
  try {
    if (toolDir !== undefined && baseline !== undefined) await history.extract(baseline, folder, toolDir);
    const migration = await migrationEdits({ toolDir, tipDir: history.dir, rendered });
    const converted = { ...rendered, teamFiles: migration.teamFiles };
    const change = clusterChange({
      rendered: converted,
      // The reconciler's own files stay as they are; the root index, values and layer syncs are its.
      reconcilerFiles: input.reconciler.layerFiles({
        layers: rendered.layers,
        values: rendered.values,
        // What the root applies beside the layers, as bootstrap lists it (cluster-values.yaml).
        resources: Object.keys(rendered.files).filter((f) => f !== CLUSTER_SPEC_FILE),
        ...(spec.alerts
          ? { alerts: { provider: spec.alerts.provider }, kinds: input.reconciler.apiKinds(manifests) }
          : {}),
      }),
      migrateCommand: '',
      replacesOldLayout: true,
    });
    const edit = await change(tip);
    await verify(edit, migration.edits, history.dir, folder, input.reconciler);
    return { rendered: converted, edits: migration.edits, edit, baseline, vpcId };
  } finally {
    if (toolDir !== undefined) await rm(toolDir, { recursive: true, force: true });
  }
}

/** The account id the earlier rendering used (its ECR registry and ARNs hold it). */
function accountOf(record: string, folder: string): string {
  const data = parseYamlText(record, `${folder}/profile/source.yaml`).data;
  const params = isRecord(data) && isRecord(data['parameters']) ? data['parameters'] : {};
  const account = params['accountId'];
  if (typeof account !== 'string' && typeof account !== 'number') {
    throw userError('GITOPS_BAD_CONFIG', `${folder}/profile/source.yaml records no accountId parameter`);
  }
  return String(account).padStart(12, '0');
}

/** The VPC id a cluster-values.yaml of an earlier bootstrap holds, if the folder has one. */
function recordedVpcId(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const data = parseYamlText(text, CLUSTER_VALUES_FILE).data;
    const vpcId = isRecord(data) && isRecord(data['data']) ? data['data']['vpcId'] : undefined;
    return typeof vpcId === 'string' && vpcId !== '' ? vpcId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the converted tree as the reconciler would and checks every carried edit: a changed
 * object has the team's value at each changed field, a removed one is gone, an added one is there.
 */
async function verify(
  edit: FleetEdit,
  edits: readonly CarriedEdit[],
  tipDir: string,
  folder: string,
  reconciler: Reconciler,
): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'gitops-converted-'));
  try {
    await cp(tipDir, scratch, { recursive: true, filter: (src) => !src.split(path.sep).includes('.git') });
    for (const [dir, files] of Object.entries(edit.folders ?? {})) {
      await rm(path.join(scratch, dir), { recursive: true, force: true });
      for (const [rel, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(scratch, dir, rel)), { recursive: true });
        await writeFile(path.join(scratch, dir, rel), text);
      }
    }
    for (const [file, text] of Object.entries(edit.files ?? {})) {
      await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
      await writeFile(path.join(scratch, file), text);
    }
    const desired = (await reconciler.desired(scratch, folder)).objects;
    const problems: string[] = [];
    for (const e of edits) {
      if (e.change === 'listed') continue;
      const found = desired.find((o) => describe(o) === e.object);
      if (e.change === 'removed') {
        if (found) problems.push(`${e.object} is still applied`);
        continue;
      }
      if (!found) {
        problems.push(`${e.object} is not applied by any layer`);
        continue;
      }
      for (const op of e.operations ?? []) {
        const want = op.op === 'remove' ? undefined : pointer(e.edited, op.path);
        const got = pointer(found, op.path);
        if (JSON.stringify(got) !== JSON.stringify(want))
          problems.push(`${e.object} ${op.path} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
      }
    }
    if (problems.length > 0) {
      throw userError(
        'GITOPS_CONFLICT',
        `gitops migrate cannot carry every edit into the layered layout: ${problems.join('; ')}`,
        {
          hint: 'nothing was pushed; the profile version changed where the edits are: make them again in the layer overlays by hand, or fix them in the earlier layout and run gitops migrate again',
        },
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function pointer(obj: unknown, path: string): unknown {
  try {
    return jsonpatch.getValueByPointer(obj, path);
  } catch {
    return undefined;
  }
}

function describe(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
