/**
 * Where the secrets test looks for secrets: text, a repository's every object (reachable or
 * not, so a secret committed and then removed still counts), and every file under a folder.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Secret {
  name: string;
  /** A literal value, or a pattern for secrets whose value the test cannot know (EKS tokens). */
  value: string | RegExp;
}

export function found(text: string, secrets: readonly Secret[]): string[] {
  return secrets
    .filter((s) => (typeof s.value === 'string' ? text.includes(s.value) : s.value.test(text)))
    .map((s) => s.name);
}

/** Every object in a repository's database, uncompressed. */
export function allObjects(gitDir: string): string {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
    cwd: gitDir,
    encoding: 'latin1',
    maxBuffer: 512 * 1024 * 1024,
  });
}

export interface FileHit {
  path: string;
  mode: number;
  secrets: string[];
}

/** Files under `root` holding any of the secrets, with their permission bits. */
export function filesHolding(root: string, secrets: readonly Secret[]): FileHit[] {
  const hits: FileHit[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        const secretsHere = found(readFileSync(path, 'latin1'), secrets);
        if (secretsHere.length > 0) hits.push({ path, mode: st.mode & 0o777, secrets: secretsHere });
      }
    }
  };
  walk(root);
  return hits;
}

/** An EKS token as `gitops token` prints it: the prefix and a presigned STS URL in base64url. */
export const EKS_TOKEN = /k8s-aws-v1\.[A-Za-z0-9_-]{40,}/;
