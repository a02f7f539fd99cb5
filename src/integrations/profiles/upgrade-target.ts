/**
 * Which profile `gitops upgrade --profile <target>` means for one cluster:
 *   - `<name>@<version>`: that version, looked up where the cluster's profile comes from now (its
 *     cluster.yaml): the bundled catalog for a bundled profile, the same folder for a folder, and
 *     the same git repository and subfolder at the tag `<version>`, then `v<version>`, for a git
 *     profile;
 *   - a folder or a git URL (`./ml-next`, `https://host/p.git//ml#v1.2.0`), optionally followed by
 *     `@<version>` which must then be what it holds.
 * The cluster's cluster.yaml then names where the version came from, so a later bootstrap (or a
 * rebuild with --from-git) reads the same version.
 */
import { isGitopsError, userError } from '../../primitives/errors.js';
import { redactUrl } from '../git/url.js';
import { type ResolvedProfile, resolveProfile } from './catalog.js';
import { parseProfileRef } from './ref.js';

export interface UpgradeTarget {
  /** What was typed, for messages. */
  text: string;
  /** The reference before `@<version>`. */
  ref: string;
  version: string | undefined;
  /** A bare profile name, looked up where each cluster's profile comes from. */
  byName: boolean;
}

const VERSION_SUFFIX = /^(.+)@(\d+\.\d+\.\d+)$/;

export function parseUpgradeTarget(text: string): UpgradeTarget {
  const trimmed = text.trim();
  const m = VERSION_SUFFIX.exec(trimmed);
  const ref = m ? m[1]! : trimmed;
  const parsed = parseProfileRef(ref);
  return { text: trimmed, ref, version: m?.[2], byName: parsed.kind === 'bundled' };
}

/** The places a target may be read from for a cluster whose profile comes from `current`. */
export function candidates(target: UpgradeTarget, current: string): string[] {
  if (!target.byName) return [target.ref];
  const from = parseProfileRef(current);
  if (from.kind === 'folder') return [current, target.ref];
  if (from.kind === 'git' && target.version !== undefined) {
    const base = `${from.url}${from.subdir ? `//${from.subdir}` : ''}`;
    return [`${base}#${target.version}`, `${base}#v${target.version}`];
  }
  return [target.ref];
}

/**
 * Resolves the target for a cluster on `current`. The first candidate holding a profile named
 * `name` at the version asked for wins; none is a user error saying what each held.
 */
export async function resolveTarget(
  target: UpgradeTarget,
  current: string,
  name: string,
  opts: { env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<ResolvedProfile> {
  const seen: string[] = [];
  for (const ref of candidates(target, current)) {
    let profile: ResolvedProfile;
    try {
      profile = await resolveProfile(ref, { env: opts.env, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (e) {
      if (!isGitopsError(e) || target.byName === false) throw e;
      seen.push(`${redactUrl(ref)}: ${e.message}`);
      continue;
    }
    const { profile: p } = profile;
    if (p.name === name && (target.version === undefined || p.version === target.version)) return profile;
    seen.push(`${redactUrl(ref)} holds ${p.name}@${p.version}`);
  }
  const wanted = target.byName ? `${target.ref}@${target.version ?? '<version>'}` : target.text;
  throw userError(
    'GITOPS_NOT_FOUND',
    `--profile ${wanted}: not found where the cluster's profile ${name} comes from (${seen.join('; ')})`,
    {
      hint:
        target.byName && target.ref !== name
          ? `upgrade moves a cluster between versions of its profile (${name}); another profile needs gitops bootstrap`
          : 'name a folder or git URL holding that version: --profile ./folder or --profile <git-url>//<subdir>#<tag>',
    },
  );
}
