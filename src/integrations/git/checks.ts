/** Input checks shared by the fleet operations: branch names and repository paths. */
import { userError } from '../../primitives/errors.js';

/** git's own ref rules, restricted further to what a fleet branch reasonably is. */
export function checkBranch(branch: string): void {
  const ok =
    /^[A-Za-z0-9._/-]+$/.test(branch) &&
    !branch.startsWith('-') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    !branch.endsWith('.') &&
    !branch.endsWith('.lock') &&
    !branch.includes('..') &&
    !branch.includes('//') &&
    !branch.split('/').some((part) => part.startsWith('.'));
  if (!ok) throw userError('GITOPS_BAD_INPUT', `git branch "${branch}" is not a valid branch name`);
}

/** A folder inside the repository: relative, no `..`, never `.git` or the repository root. */
export function checkRepoPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (
    path.startsWith('/') ||
    parts.length === 0 ||
    parts.includes('..') ||
    parts[0] === '.git' ||
    path.includes('\0')
  ) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `fleet path "${path}" must be a folder inside the repository (for example clusters/dev)`,
    );
  }
  return parts.join('/');
}
