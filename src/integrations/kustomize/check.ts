/**
 * Checks a profile's kustomization.yaml files. Flux's kustomize-controller will build them, so a
 * profile could otherwise pull in remote bases (`github.com/...`) or files outside its folder; we
 * accept local, relative references to files the profile ships, and the fields we know to be
 * self-contained.
 */
import { userError } from '../../primitives/errors.js';
import { checkRelative } from '../../primitives/safe-path.js';

const ALLOWED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'namespace',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'patches',
  'images',
  'replicas',
]);

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
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw userError('GITOPS_BAD_CONFIG', `${file}: expected a mapping (a kustomize Kustomization)`);
  }
  const k = data as Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!ALLOWED_FIELDS.has(key)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${file}: field "${key}" is not supported in profile kustomizations`,
        {
          hint: `supported: ${[...ALLOWED_FIELDS].join(', ')}`,
        },
      );
    }
  }
  if (k['kind'] !== undefined && k['kind'] !== 'Kustomization') {
    throw userError('GITOPS_BAD_CONFIG', `${file}: kind must be Kustomization`);
  }
  const resources = k['resources'] ?? [];
  if (!Array.isArray(resources)) throw userError('GITOPS_BAD_CONFIG', `${file}: resources: expected a list`);
  resources.forEach((r, i) => {
    checkReference(r, `${file}: resources[${i}]`, dir, files);
  });
  const patches = k['patches'] ?? [];
  if (!Array.isArray(patches)) throw userError('GITOPS_BAD_CONFIG', `${file}: patches: expected a list`);
  patches.forEach((p, i) => {
    if (p !== null && typeof p === 'object' && 'path' in p) {
      checkReference((p as { path: unknown }).path, `${file}: patches[${i}].path`, dir, files);
    }
  });
}

function checkReference(ref: unknown, where: string, dir: string, files: ReadonlySet<string>): void {
  if (typeof ref !== 'string') throw userError('GITOPS_BAD_CONFIG', `${where}: expected a path`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || /^[\w.-]+\.[a-z]{2,}\//i.test(ref)) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: remote resource "${ref}" is not allowed; ship the files in the profile`,
    );
  }
  const joined = dir === '' ? ref : `${dir}/${ref}`;
  const clean = checkRelative(joined, where);
  const isFile = files.has(clean);
  const isKustomizeDir = files.has(`${clean}/kustomization.yaml`) || files.has(`${clean}/kustomization.yml`);
  if (!isFile && !isKustomizeDir) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: "${ref}" is not a file or kustomization folder of the profile`,
    );
  }
}
