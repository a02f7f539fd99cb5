// The version of a bundled profile as profiles/<name>/profile.yaml says it, so that tests follow a
// version bump instead of naming the version they were written against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './kube/testenv.js';

export function bundledVersion(name: string): string {
  const doc = parse(readFileSync(join(REPO_ROOT, 'profiles', name, 'profile.yaml'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof doc.version !== 'string') throw new Error(`profiles/${name}/profile.yaml has no version`);
  return doc.version;
}

/** The next minor version after the bundled one (a version no bundled profile has yet). */
export function nextMinor(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return `${major}.${(minor ?? 0) + 1}.0`;
}
