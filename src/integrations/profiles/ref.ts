/**
 * What `--profile` can name: a bundled profile (`ml`), a folder (`./my-profile`, `/abs/dir`) or a
 * git URL with an optional subfolder and ref (`https://host/org/repo.git//profiles/ml#v1.2.0`,
 * `git@host:org/repo.git//ml#main`, `file:///srv/profiles.git//ml#v1`).
 */
import { userError } from '../../primitives/errors.js';
import { checkGitUrl, redactUrl } from '../git/url.js';
import { checkRelative } from '../../primitives/safe-path.js';

export type ProfileRef =
  | { kind: 'bundled'; name: string }
  | { kind: 'folder'; path: string }
  | { kind: 'git'; url: string; subdir: string; ref: string | undefined };

const BUNDLED = /^[a-z0-9][a-z0-9-]*$/;

export function parseProfileRef(input: string): ProfileRef {
  const ref = input.trim();
  if (ref === '') throw userError('GITOPS_BAD_INPUT', 'profile reference is empty');
  if (BUNDLED.test(ref)) return { kind: 'bundled', name: ref };
  if (ref.startsWith('./') || ref.startsWith('../') || ref === '.' || ref === '..' || ref.startsWith('/')) {
    return { kind: 'folder', path: ref };
  }
  if (ref.startsWith('-')) throw userError('GITOPS_BAD_INPUT', `profile "${ref}" must not start with "-"`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref) || /^[^/]+@[^/]+:/.test(ref)) return parseGitRef(ref);
  throw userError('GITOPS_BAD_INPUT', `profile "${ref}" is neither a bundled name, a folder nor a git URL`, {
    hint: 'use a bundled name (ml), a folder (./dir) or a git URL (https://host/repo.git//subdir#ref)',
  });
}

function parseGitRef(input: string): ProfileRef {
  let rest = input;
  let ref: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    ref = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    if (!/^(?!-)(?!.*\.\.)[A-Za-z0-9._/@+-]+$/.test(ref)) {
      throw userError('GITOPS_BAD_INPUT', `profile ref "#${ref}" is not a valid branch, tag or commit`);
    }
  }
  // The subfolder separator is the first `//` after the scheme's own `//`.
  const schemeEnd = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rest)?.[0].length ?? 0;
  // file:///abs/path has a third slash that belongs to the path.
  const searchFrom = rest.startsWith('file:///') ? schemeEnd + 1 : schemeEnd;
  const sep = rest.indexOf('//', searchFrom);
  let subdir = '';
  let url = rest;
  if (sep >= 0) {
    url = rest.slice(0, sep);
    subdir = checkRelative(rest.slice(sep + 2), `profile subfolder in ${redactUrl(input)}`);
  }
  checkGitUrl(url, 'profile git URL');
  return { kind: 'git', url, subdir, ref };
}

export function describeRef(ref: ProfileRef): string {
  switch (ref.kind) {
    case 'bundled':
      return ref.name;
    case 'folder':
      return ref.path;
    case 'git':
      return `${redactUrl(ref.url)}${ref.subdir ? `//${ref.subdir}` : ''}${ref.ref ? `#${ref.ref}` : ''}`;
  }
}
