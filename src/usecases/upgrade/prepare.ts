/**
 * The read-only half of `gitops upgrade`: one fetch of the fleet branch's tip, the cluster folders
 * the pattern names, where each stands, the target version read for each, and the AWS check for
 * every one of them, all before anything is written: a move that needs AWS changed stops the
 * whole run with nothing pushed.
 */
import { readFleetFiles } from '../../integrations/git/remote.js';
import { redactUrl } from '../../integrations/git/url.js';
import { forComputeMode } from '../../integrations/profiles/auto-mode.js';
import type { ResolvedProfile } from '../../integrations/profiles/catalog.js';
import { LAYERS } from '../../integrations/profiles/layers.js';
import { overlayFile, PROFILES_ROOT, SHARED_RECORD } from '../../integrations/profiles/layout.js';
import {
  checkAwsNeeds,
  type ClusterPosition,
  clusterPosition,
  type FleetReader,
  neededBefore,
  type ProfileVersionRef,
} from '../../integrations/profiles/upgrade.js';
import { resolveTarget, type UpgradeTarget } from '../../integrations/profiles/upgrade-target.js';
import { userError } from '../../primitives/errors.js';

export const CLUSTERS_ROOT = 'clusters';

export interface PlannedMove {
  cluster: string;
  position: ClusterPosition;
  from: ProfileVersionRef;
  to: ResolvedProfile;
}

export interface PrepareRequest {
  url: string;
  branch: string;
  /** A cluster name, or a pattern with `*` and `?` over the folders under clusters/. */
  clusters: string;
  target: UpgradeTarget;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

export async function prepareMoves(req: PrepareRequest): Promise<PlannedMove[]> {
  const match = pattern(req.clusters);
  const wanted = (file: string): boolean => {
    const parts = file.split('/');
    if (parts[0] === PROFILES_ROOT) return parts.length === 4 && parts[3] === SHARED_RECORD;
    if (parts[0] !== CLUSTERS_ROOT || parts.length < 3 || !match.test(parts[1]!)) return false;
    const rel = parts.slice(2).join('/');
    return rel === 'cluster.yaml' || rel === 'values.yaml' || LAYERS.some((l) => rel === overlayFile(l));
  };
  const files = await readFleetFiles(req.url, req.branch, (paths) => paths.filter(wanted), {
    env: req.env,
    signal: req.signal,
  });
  if (files === undefined) {
    throw userError(
      'GITOPS_NOT_FOUND',
      `fleet repository ${redactUrl(req.url)} has no branch "${req.branch}"`,
    );
  }
  const tree: FleetReader = { read: async (f) => files.get(f) };
  const names = [...files.keys()]
    .filter(
      (f) => f.split('/').length === 3 && f.endsWith('/cluster.yaml') && f.startsWith(`${CLUSTERS_ROOT}/`),
    )
    .map((f) => f.split('/')[1]!)
    .sort();
  if (names.length === 0) {
    throw userError(
      'GITOPS_NOT_FOUND',
      `--cluster ${req.clusters}: no cluster folder under ${CLUSTERS_ROOT}/ of ${redactUrl(req.url)}#${req.branch} matches`,
      { hint: 'a name, or a pattern such as "staging-*" (quote it for the shell)' },
    );
  }
  const resolved = new Map<string, Promise<ResolvedProfile>>();
  const moves: PlannedMove[] = [];
  for (const cluster of names) {
    const position = await clusterPosition(tree, `${CLUSTERS_ROOT}/${cluster}`, cluster);
    const source = position.spec.profile.source;
    const key = `${position.profile.name}\0${source}`;
    if (!resolved.has(key)) {
      resolved.set(key, resolveTarget(req.target, source, position.profile.name, req));
    }
    // A cluster runs the build of its compute mode: an Auto Mode cluster moves to `<version>+auto`.
    const to = forComputeMode(await resolved.get(key)!, position.spec.compute);
    const before = await neededBefore(tree, position, req);
    checkAwsNeeds(cluster, position.profile, to, before);
    moves.push({ cluster, position, from: position.profile, to });
  }
  return moves;
}

/** `*` any run of characters, `?` one; nothing else is special. */
function pattern(glob: string): RegExp {
  const body = [...glob].map((c) =>
    c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
  );
  return new RegExp(`^${body.join('')}$`);
}
