/**
 * Checks a profile's kustomization.yaml files when bootstrap renders the profile. The fields and
 * their shapes are the builder's (`readKustomization`), so a profile that renders also builds for
 * `gitops diff`. On top of that, a profile is someone else's content: every reference must be a
 * local, relative file the profile ships (or a folder of it with a kustomization), never a
 * remote base (`github.com/...`) or a file outside the profile.
 */
import { posix } from 'node:path';
import { userError } from '../../primitives/errors.js';
import { checkRelative } from '../../primitives/safe-path.js';
import { isRecord } from '../kube/object.js';
import { readKustomization } from './kustomization.js';
import { parsePatch } from './patches.js';
import { selectorMatcher } from './selector.js';

export function isKustomizationFile(rel: string): boolean {
  return /(^|\/)kustomization\.ya?ml$/.test(rel);
}

/**
 * `dir` is the kustomization's folder relative to the layer's manifests/ ('' for the top);
 * `files` holds every manifests/ file path of the layer, relative to manifests/.
 */
export function checkKustomization(
  data: unknown,
  file: string,
  dir: string,
  files: ReadonlySet<string>,
): void {
  const k = readKustomization(data, file);
  k.resources.forEach((r, i) => {
    checkReference(r, `${file}: resources[${i}]`, dir, files, true);
  });
  for (const p of k.patches) {
    if (p.path !== undefined) checkReference(p.path, `${file}: ${p.where}.path`, dir, files, false);
    if (p.patch !== undefined) parsePatch(p.patch, `${file}: ${p.where}.patch`);
    // Compiles the target's patterns and selectors, which throws on the ones the builder would refuse.
    if (p.target !== undefined) selectorMatcher(p.target, `${file}: ${p.where}.target`);
  }
}

/**
 * The files the kustomizations of a layer use as patches (relative to manifests/): they hold
 * partial objects or operations, not objects of the profile. Unreadable kustomizations give
 * none here; `checkKustomization` reports them.
 */
export function patchFilesOf(data: unknown, dir: string): string[] {
  if (!isRecord(data) || !Array.isArray(data['patches'])) return [];
  const out: string[] = [];
  for (const p of data['patches']) {
    if (!isRecord(p) || typeof p['path'] !== 'string') continue;
    try {
      out.push(checkRelative(join(dir, p['path']), 'patch'));
    } catch {
      // Reported with its place by checkKustomization.
    }
  }
  return out;
}

/** `ref` seen from the folder `dir`, with `a/../` folded (an overlay's `../base` stays inside). */
function join(dir: string, ref: string): string {
  return ref.startsWith('/') ? ref : posix.normalize(dir === '' ? ref : `${dir}/${ref}`);
}

function checkReference(
  ref: string,
  where: string,
  dir: string,
  files: ReadonlySet<string>,
  folderAllowed: boolean,
): void {
  if (
    /^[a-z][a-z0-9+.-]*:/i.test(ref) ||
    /^[\w.-]+\.[a-z]{2,}\//i.test(ref) ||
    /^[\w.-]+@[\w.-]+:/.test(ref)
  ) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: remote resource "${ref}" is not allowed; ship the files in the profile`,
    );
  }
  const clean = checkRelative(join(dir, ref), where);
  const isFile = files.has(clean);
  const isKustomizeDir =
    folderAllowed && (files.has(`${clean}/kustomization.yaml`) || files.has(`${clean}/kustomization.yml`));
  if (!isFile && !isKustomizeDir) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: "${ref}" is not a ${folderAllowed ? 'file or kustomization folder' : 'file'} of the profile`,
    );
  }
}
