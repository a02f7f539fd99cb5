/**
 * The commit a bootstrap makes, decided against the fleet branch's tip (layout.ts has the rules):
 *   - a cluster folder in the layout of an earlier gitops is refused, pointing at `gitops migrate`;
 *   - a shared profile version is written whole; one already there with other content under the
 *     same version is refused (a version is shared and must not change under other clusters),
 *     and hand edits to it are undone with a warning;
 *   - the cluster's tool-owned files and folders are written as rendered;
 *   - the team's files are written when absent; an overlay has its profile entries moved to the
 *     rendered versions (overlay.ts), or is left alone with a warning when that is not safe.
 */
import { userError } from '../../primitives/errors.js';
import { parseYamlText } from '../../primitives/yaml.js';
import type { FleetEdit, FleetTree, FleetWarning } from '../git/edit.js';
import { isRecord } from '../kube/object.js';
import { OLD_LAYOUT_MARKERS, overlayFile, SHARED_RECORD } from './layout.js';
import { rewriteOverlay } from './overlay.js';
import type { RenderedCluster, SharedProfile } from './render.js';

export interface ClusterChangeRequest {
  rendered: RenderedCluster;
  /** The reconciler's files in the cluster folder (relative to it): its own and the layer syncs. */
  reconcilerFiles: Readonly<Record<string, string>>;
  /** How to run the conversion, for the refusal of an old layout (`gitops migrate --cluster x`). */
  migrateCommand: string;
  /** gitops migrate: the earlier layout's profile copy is removed instead of refused. */
  replacesOldLayout?: boolean;
}

export function clusterChange(req: ClusterChangeRequest): (tip: FleetTree) => Promise<FleetEdit> {
  return async (tip) => {
    const { rendered } = req;
    if (!req.replacesOldLayout) await refuseOldLayout(tip, rendered.path, req.migrateCommand);
    const warnings: FleetWarning[] = [];
    const folders: Record<string, Record<string, string>> = {};
    if (req.replacesOldLayout) folders[`${rendered.path}/profile`] = {};
    const files: Record<string, string> = {};
    for (const s of rendered.shared) folders[s.folder] = await sharedFiles(tip, s, warnings);
    const own = { ...rendered.files, ...req.reconcilerFiles };
    for (const [rel, text] of Object.entries(own)) {
      const slash = rel.indexOf('/');
      if (slash < 0) files[`${rendered.path}/${rel}`] = text;
      else {
        // A sub-folder of the reconciler's (flux-system/) is its own, whole.
        const folder = `${rendered.path}/${rel.slice(0, slash)}`;
        folders[folder] = { ...(folders[folder] ?? {}), [rel.slice(slash + 1)]: text };
      }
    }
    const overlays = new Map(rendered.overlays.map((o) => [overlayFile(o.layer), o]));
    for (const [rel, initial] of Object.entries(rendered.teamFiles)) {
      const file = `${rendered.path}/${rel}`;
      const current = await tip.read(file);
      if (current === undefined) {
        files[file] = initial;
        continue;
      }
      const target = overlays.get(rel);
      if (target === undefined) continue;
      const r = rewriteOverlay(current, target);
      if (r.status === 'rewritten') files[file] = r.text;
      else if (r.status === 'unsafe') {
        warnings.push({
          code: 'GITOPS_TEAM_FILE_KEPT',
          message: `${file} was left as it is, so it may not point at ${describeVersions(target.profiles)}: ${r.reason}`,
        });
      }
    }
    const edit: FleetEdit = { folders, files, warnings };
    return edit;
  };
}

/** Refuses a cluster folder that still holds a full copy of its profile (the earlier layout). */
export async function refuseOldLayout(
  tip: FleetTree,
  clusterPath: string,
  migrateCommand: string,
): Promise<void> {
  for (const marker of OLD_LAYOUT_MARKERS) {
    if ((await tip.read(`${clusterPath}/${marker}`)) !== undefined) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${clusterPath} is in the fleet layout of an earlier gitops (a full profile copy in ${clusterPath}/profile/); convert it first, keeping your edits: ${migrateCommand}`,
      );
    }
  }
}

/** The digest a shared profile version's record holds, or undefined when there is no record. */
export function recordedDigest(record: string | undefined): string | undefined {
  if (record === undefined) return undefined;
  try {
    const data = parseYamlText(record, SHARED_RECORD).data;
    return isRecord(data) && typeof data['digest'] === 'string' ? data['digest'] : '';
  } catch {
    return '';
  }
}

/**
 * Refuses a shared version whose recorded content differs from ours. Same name and version with
 * other content means the profile changed without a new version: writing it would change every
 * cluster on that version at its next reconcile.
 */
export function checkSharedDigest(
  s: Pick<SharedProfile, 'name' | 'version' | 'folder' | 'digest'>,
  record: string | undefined,
): void {
  const digest = recordedDigest(record);
  if (digest === undefined || digest === s.digest) return;
  throw userError(
    'GITOPS_CONFLICT',
    `${s.folder} in the fleet repository holds other content (${digest || 'no digest'}) than profile ${s.name} ${s.version} has now (${s.digest})`,
    {
      hint: `a profile version is shared by every cluster on it and never changes once written: give the changed profile a new version in its profile.yaml`,
    },
  );
}

async function sharedFiles(
  tip: FleetTree,
  s: SharedProfile,
  warnings: FleetWarning[],
): Promise<Record<string, string>> {
  const record = await tip.read(`${s.folder}/${SHARED_RECORD}`);
  checkSharedDigest(s, record);
  if (record === undefined) return s.files;
  const edited: string[] = [];
  for (const [rel, text] of Object.entries(s.files)) {
    if (rel === SHARED_RECORD) continue;
    if ((await tip.read(`${s.folder}/${rel}`)) !== text) edited.push(rel);
  }
  if (edited.length > 0) {
    warnings.push({
      code: 'GITOPS_SHARED_RESTORED',
      message: `${s.folder}: ${edited.join(', ')} restored to the profile's content (a shared version is not edited in place; patch a cluster in its overlay)`,
    });
  }
  // The first writer's record stays: it says where the version came from first.
  return { ...s.files, [SHARED_RECORD]: record };
}

function describeVersions(profiles: readonly { name: string; version: string }[]): string {
  return profiles.length === 0
    ? 'no profile version'
    : profiles.map((p) => `${p.name} ${p.version}`).join(', ');
}
