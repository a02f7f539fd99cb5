/**
 * What publishing would change, without committing or pushing: the observe half of the
 * `fleet:push` step, and what `--dry-run` reports.
 */
import { checkBranch, checkRepoPath } from './checks.js';
import type { FleetChange, FleetEdit } from './edit.js';
import { type GitAuth, remoteFor } from './exec.js';
import { changeOf, editOn } from './fleet.js';
import { commitEdit, fetchTip, openWorkspace, type StagedChange } from './workspace.js';
import { checkGitUrl } from './url.js';

export interface FleetDiffRequest {
  url: string;
  branch: string;
  path: string;
  files?: Readonly<Record<string, string>>;
  change?: FleetChange;
  signal?: AbortSignal;
  auth?: GitAuth;
  env: NodeJS.ProcessEnv;
}

export interface FleetDiff {
  /** The branch tip compared against (undefined: empty repository or new branch). */
  head: string | undefined;
  changes: StagedChange[];
  /** The change as it would be made on this tip. */
  edit: FleetEdit;
}

export async function diffFleet(req: FleetDiffRequest): Promise<FleetDiff> {
  checkGitUrl(req.url, 'fleet git URL');
  checkBranch(req.branch);
  checkRepoPath(req.path);
  const change = changeOf(req);
  const remote = remoteFor(req.url, req.env, req.auth);
  const target = { env: req.env, url: remote.url, branch: req.branch, auth: remote.auth, signal: req.signal };
  const ws = await openWorkspace(target);
  try {
    const head = await fetchTip(ws);
    const edit = await editOn(ws, head, change);
    // A commit in the throwaway repository, never pushed: what it changes is the answer.
    const { changes } = await commitEdit(ws, head, edit, 'gitops: what would change');
    return { head, changes, edit };
  } finally {
    await ws.close();
  }
}

/** "2 to add, 1 to change, 3 to remove" */
export function describeChanges(changes: readonly StagedChange[]): string {
  const count = (s: string) => changes.filter((c) => c.status === s).length;
  const parts = [
    [count('A'), 'to add'],
    [count('M'), 'to change'],
    [count('D'), 'to remove'],
  ] as const;
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ') || 'no change'
  );
}
