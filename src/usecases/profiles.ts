/** `gitops profiles list` and `gitops profiles show`: the catalog and one profile, as data. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  listBundledProfiles,
  type ProfileSummary,
  type ResolvedProfile,
  resolveProfile,
} from '../integrations/profiles/catalog.js';
import type { Profile } from '../integrations/profiles/model.js';

export type { Profile, ProfileSummary };

export interface ProfileDocument {
  name: string;
  description: string;
  version: string;
  includes: string[];
  /** The profiles merged, base first. */
  chain: string[];
  source: ResolvedProfile['source'];
  components: Profile['components'];
  parameters: Profile['parameters'];
  nodeGroups: Profile['nodeGroups'];
  addons: Profile['addons'];
  ecrRepositories: Profile['ecrRepositories'];
  /** Service accounts that get a Pod Identity role, with the policies declared for them. */
  identities: Profile['identities'];
  /** Secrets bootstrap generates in the cluster (names and keys; the values exist only there). */
  secrets: Profile['secrets'];
  /** S3 buckets bootstrap creates for each cluster (their logical names and variables). */
  buckets: NonNullable<Profile['buckets']>;
  /** The profile's own README (what it gives a team, how to reach each app), when it has one. */
  readme?: string;
}

export async function listProfiles(): Promise<ProfileSummary[]> {
  return await listBundledProfiles();
}

export async function showProfile(
  ref: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{ doc: ProfileDocument; profile: Profile }> {
  const resolved = await resolveProfile(ref, { env, ...(signal ? { signal } : {}) });
  const p = resolved.profile;
  const doc: ProfileDocument = {
    name: p.name,
    description: p.description,
    version: p.version,
    includes: p.includes,
    chain: resolved.chain,
    source: resolved.source,
    components: p.components,
    parameters: p.parameters,
    nodeGroups: p.nodeGroups,
    addons: p.addons,
    ecrRepositories: p.ecrRepositories,
    identities: p.identities,
    secrets: p.secrets,
    buckets: p.buckets ?? [],
  };
  const readme = path.join(resolved.dir, 'README.md');
  if (existsSync(readme)) doc.readme = readme;
  return { doc, profile: p };
}
