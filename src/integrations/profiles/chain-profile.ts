/**
 * Reads one profile folder (one profile of an include chain): its profile.yaml (validated) and
 * the files it ships in its layer folders (controllers/, configs/, apps/, or the older single
 * manifests/: what the reconciler applies) and `templates/` (files the team copies, such as a CI
 * workflow). Everything is read into memory here, with path and size checks, so rendering can be
 * a pure function and never touches the disk again.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isGitopsError, userError } from '../../primitives/errors.js';
import { type Profile, profileSchema } from './model.js';
import { MAX_YAML_BYTES } from '../../primitives/yaml.js';
import { parseValidated } from '../../primitives/validated-yaml.js';
import { listFiles, readInside } from '../../primitives/safe-path.js';
import { LAYERS, LEGACY_DIR } from './layers.js';

/** The folders of a profile that are rendered; anything else in the folder is ignored. */
export const CONTENT_DIRS = [...LAYERS, LEGACY_DIR, 'templates'] as const;
/** IAM policy documents of the profile's identities: read, never rendered into the fleet repo. */
export const POLICY_DIR = 'policies';
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;

export interface ChainProfile {
  name: string;
  /** Local folder holding profile.yaml. */
  dir: string;
  /** How the folder is named in messages (`profiles/ml`, `./my-profile`, `repo.git//ml`). */
  label: string;
  /** This profile's own profile.yaml, before merging with its includes. */
  profile: Profile;
  /** Read from gitops's bundled catalog (an include found there, or a bundled name). */
  bundled: boolean;
  /** Relative POSIX path (`apps/app.yaml`, `templates/ci.yaml`) -> text, sorted by path. */
  files: Record<string, string>;
  /** `policies/<name>.json` -> text: the inline policies its identities name. */
  policies: Record<string, string>;
}

export async function readProfileYaml(dir: string, label: string): Promise<Profile> {
  const source = `${label}/profile.yaml`;
  const text = await readInside(dir, 'profile.yaml', label, MAX_YAML_BYTES).catch((e: unknown) => {
    if (isGitopsError(e) && e.code === 'GITOPS_NOT_FOUND') {
      throw userError('GITOPS_NOT_FOUND', `${label}: no profile.yaml in this folder`, {
        hint: 'a profile is a folder with a profile.yaml and its layer folders (controllers/, configs/, apps/)',
      });
    }
    throw e;
  });
  return parseValidated(profileSchema, text, source);
}

export async function loadChainProfile(dir: string, label: string): Promise<ChainProfile> {
  const profile = await readProfileYaml(dir, label);
  const files: Record<string, string> = {};
  const policies: Record<string, string> = {};
  let total = 0;
  for (const sub of [...CONTENT_DIRS, POLICY_DIR]) {
    const full = path.join(dir, sub);
    const st = await lstat(full).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${label}/${sub}: must be a plain folder (symlinks are not allowed)`,
      );
    }
    for (const rel of await listFiles(full, `${label}/${sub}`)) {
      const text = await readInside(dir, `${sub}/${rel}`, label, MAX_YAML_BYTES);
      total += text.length;
      if (total > MAX_TOTAL_BYTES)
        throw userError('GITOPS_BAD_CONFIG', `${label}: profile files are too large`);
      if (sub === POLICY_DIR) policies[`${sub}/${rel}`] = text;
      else files[`${sub}/${rel}`] = text;
    }
  }
  const layered = Object.keys(files).some((f) => LAYERS.some((l) => f.startsWith(`${l}/`)));
  if (layered && Object.keys(files).some((f) => f.startsWith(`${LEGACY_DIR}/`))) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${label}: has both ${LEGACY_DIR}/ and layer folders (${LAYERS.join(', ')})`,
      { hint: `move what ${LEGACY_DIR}/ holds into the layer folders` },
    );
  }
  return { name: profile.name, dir, label, profile, bundled: false, files, policies };
}
