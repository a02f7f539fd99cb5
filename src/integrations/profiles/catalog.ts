/**
 * The profile catalog and resolution: from what the user typed after `--profile` to a merged
 * profile with all its files in memory. Includes are looked up next to the including profile
 * first (a profile repository can carry its own `base`), then in the bundled catalog.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isGitopsError, userError } from '../../primitives/errors.js';
import { packageRoot } from '../../primitives/package-root.js';
import { withoutCredentials } from '../git/url.js';
import { withProfileRepo } from './git-source.js';
import { type ChainProfile, loadChainProfile, readProfileYaml } from './chain-profile.js';
import { mergeProfiles } from './merge.js';
import type { Profile } from './model.js';
import { describeRef, parseProfileRef } from './ref.js';
import { isInside, resolveInside } from '../../primitives/safe-path.js';

export interface ProfileSummary {
  name: string;
  description: string;
  version: string;
  includes: string[];
}

export interface ResolvedProfile {
  /** Merged with its includes (node groups, add-ons, ECR repos, components, parameters). */
  profile: Profile;
  /** Include order, the requested profile last: ['base', 'ml']. */
  chain: string[];
  /** Local folder of the top profile. */
  dir: string;
  source: { kind: 'bundled' | 'folder' | 'git'; ref: string; revision?: string };
  /** Every profile of the chain with its own files, in chain order. */
  profiles: ChainProfile[];
  /** sha256 over every layer's files: changes exactly when the rendered input changes. */
  digest: string;
}

/** `<package>/profiles`, shipped next to package.json. */
export function bundledProfilesDir(): string {
  return path.join(packageRoot(), 'profiles');
}

async function bundledNames(): Promise<string[]> {
  const root = bundledProfilesDir();
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await exists(path.join(root, e.name, 'profile.yaml')))) names.push(e.name);
  }
  return names.sort();
}

export async function listBundledProfiles(): Promise<ProfileSummary[]> {
  const root = bundledProfilesDir();
  const out: ProfileSummary[] = [];
  for (const name of await bundledNames()) {
    const p = await readProfileYaml(path.join(root, name), `profiles/${name}`);
    out.push({ name: p.name, description: p.description, version: p.version, includes: [...p.includes] });
  }
  return out;
}

async function unknownProfile(name: string): Promise<Error> {
  const names = await bundledNames();
  return userError('GITOPS_NOT_FOUND', `unknown profile "${name}"`, {
    hint: names.length > 0 ? `available profiles: ${names.join(', ')}` : 'no bundled profiles found',
  });
}

export async function resolveProfile(
  ref: string,
  opts: { env: NodeJS.ProcessEnv; cacheDir?: string; signal?: AbortSignal },
): Promise<ResolvedProfile> {
  const parsed = parseProfileRef(ref);
  let profiles: ChainProfile[];
  let revision: string | undefined;
  switch (parsed.kind) {
    case 'bundled': {
      const dir = path.join(bundledProfilesDir(), parsed.name);
      if (!(await exists(path.join(dir, 'profile.yaml')))) throw await unknownProfile(parsed.name);
      profiles = await loadChain(dir, `profiles/${parsed.name}`, bundledProfilesDir());
      break;
    }
    case 'folder': {
      const dir = path.resolve(parsed.path);
      if (!(await isDir(dir)))
        throw userError('GITOPS_NOT_FOUND', `profile folder ${parsed.path} does not exist`);
      profiles = await loadChain(dir, parsed.path.replace(/[\\/]+$/, '') || parsed.path, path.dirname(dir));
      break;
    }
    case 'git': {
      const label = describeRef(parsed);
      [profiles, revision] = await withProfileRepo(parsed.url, parsed.ref, opts, async (repo) => {
        const dir = parsed.subdir === '' ? repo.dir : await subfolder(repo.dir, parsed.subdir, label);
        return [await loadChain(dir, label, repo.dir), repo.revision] as const;
      });
      break;
    }
  }
  for (const p of profiles) p.bundled = isInside(bundledProfilesDir(), p.dir);
  const digest = digestOf(profiles);
  const top = profiles[profiles.length - 1]!;
  return {
    profile: mergeProfiles(profiles.map((l) => l.profile)),
    chain: profiles.map((l) => l.name),
    dir: top.dir,
    // Stored in the fleet repo: a token written into the URL must not travel with it.
    source: {
      kind: parsed.kind,
      ref: withoutCredentials(ref.trim()),
      revision: revision ?? `sha256:${digest.slice(0, 16)}`,
    },
    profiles,
    digest,
  };
}

async function subfolder(root: string, subdir: string, label: string): Promise<string> {
  try {
    const dir = await resolveInside(root, subdir, label);
    if (!(await isDir(dir))) throw userError('GITOPS_NOT_FOUND', `${label}: "${subdir}" is not a folder`);
    return dir;
  } catch (e) {
    if (isGitopsError(e) && e.code === 'GITOPS_NOT_FOUND') {
      throw userError('GITOPS_NOT_FOUND', `${label}: subfolder "${subdir}" not found in the repository`);
    }
    throw e;
  }
}

/** Loads the profile and its includes depth-first; a repeated name on the current path is a cycle. */
async function loadChain(topDir: string, topLabel: string, root: string): Promise<ChainProfile[]> {
  const done = new Map<string, ChainProfile>();
  const order: ChainProfile[] = [];
  const visit = async (dir: string, label: string, stack: string[]): Promise<void> => {
    const layer = await loadChainProfile(dir, label);
    if (stack.includes(layer.name)) {
      throw userError('GITOPS_BAD_CONFIG', `include cycle: ${[...stack, layer.name].join(' -> ')}`);
    }
    if (done.has(layer.name)) return;
    for (const inc of layer.profile.includes) {
      if (inc === layer.name || stack.includes(inc)) {
        throw userError('GITOPS_BAD_CONFIG', `include cycle: ${[...stack, layer.name, inc].join(' -> ')}`);
      }
      if (done.has(inc)) continue;
      const found = await findInclude(inc, dir, root, label);
      await visit(found.dir, found.label, [...stack, layer.name]);
      const loaded = done.get(inc);
      if (loaded === undefined) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `${found.label}/profile.yaml: name is not "${inc}" as included by ${label}`,
        );
      }
    }
    done.set(layer.name, layer);
    order.push(layer);
  };
  await visit(topDir, topLabel, []);
  return order;
}

async function findInclude(
  name: string,
  fromDir: string,
  root: string,
  fromLabel: string,
): Promise<{ dir: string; label: string }> {
  const sibling = path.join(path.dirname(fromDir), name);
  if (isInside(root, sibling) && (await exists(path.join(sibling, 'profile.yaml')))) {
    return { dir: sibling, label: path.posix.join(path.posix.dirname(fromLabel), name) };
  }
  const bundled = path.join(bundledProfilesDir(), name);
  if (await exists(path.join(bundled, 'profile.yaml'))) return { dir: bundled, label: `profiles/${name}` };
  const names = await bundledNames();
  throw userError('GITOPS_NOT_FOUND', `${fromLabel}/profile.yaml: included profile "${name}" not found`, {
    hint: `looked next to the profile and in the bundled catalog (${names.join(', ')})`,
  });
}

/** sha256 of one profile of a chain: what its shared copy in the fleet repository records. */
export function profileDigest(profile: ChainProfile): string {
  return digestOf([profile]);
}

function digestOf(profiles: readonly ChainProfile[]): string {
  const h = createHash('sha256');
  for (const l of profiles) {
    h.update(`layer\0${l.name}\0${JSON.stringify(l.profile)}\0`);
    const all = { ...l.files, ...l.policies };
    for (const [p, text] of Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      h.update(`file\0${p}\0${text}\0`);
    }
  }
  return h.digest('hex');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
