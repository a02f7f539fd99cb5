/**
 * Keeps profile files inside their folder. A profile from a git URL is someone else's content:
 * a `../../.ssh/id_rsa` resource or a symlink pointing out of the clone must not make us read
 * (and then push to the fleet repo) files from the user's machine.
 */
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { userError } from './errors.js';

/** Refuses absolute paths and `..` segments; returns the normalised relative POSIX path. */
export function checkRelative(rel: string, what: string): string {
  if (rel === '' || rel.includes('\0'))
    throw userError('GITOPS_BAD_CONFIG', `${what}: empty or invalid path`);
  if (path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) {
    throw userError('GITOPS_BAD_CONFIG', `${what}: absolute path "${rel}" is not allowed`);
  }
  const parts = rel.split(/[\\/]+/);
  if (parts.includes('..')) {
    throw userError('GITOPS_BAD_CONFIG', `${what}: path "${rel}" escapes the profile folder`);
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** Resolves `rel` under `root` and checks, after following symlinks, that it is still inside. */
export async function resolveInside(root: string, rel: string, what: string): Promise<string> {
  const clean = checkRelative(rel, what);
  const realRoot = await realpath(root);
  const target = path.join(realRoot, clean);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw userError('GITOPS_NOT_FOUND', `${what}: "${rel}" does not exist`);
  }
  if (!isInside(realRoot, real)) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${what}: "${rel}" is a symlink pointing outside the profile folder`,
    );
  }
  return real;
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Reads a text file that must stay inside `root`, with a size cap checked before reading it all. */
export async function readInside(root: string, rel: string, what: string, maxBytes: number): Promise<string> {
  const file = await resolveInside(root, rel, what);
  const st = await lstat(file);
  if (!st.isFile()) throw userError('GITOPS_BAD_CONFIG', `${what}: "${rel}" is not a regular file`);
  if (st.size > maxBytes) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${what}: "${rel}" is too large (${st.size} bytes, limit ${maxBytes})`,
    );
  }
  return readFile(file, 'utf8');
}

/**
 * Lists every regular file under `dir` (relative POSIX paths, sorted). Symlinks are refused
 * outright, even ones pointing inside: a rendered tree must not depend on the link layout.
 */
export async function listFiles(dir: string, what: string, limit = 2000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isSymbolicLink()) {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `${what}: "${child}" is a symlink; profiles may not contain symlinks`,
        );
      }
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
      else throw userError('GITOPS_BAD_CONFIG', `${what}: "${child}" is not a regular file`);
      if (out.length > limit) throw userError('GITOPS_BAD_CONFIG', `${what}: more than ${limit} files`);
    }
  };
  await walk('');
  return out.sort();
}
