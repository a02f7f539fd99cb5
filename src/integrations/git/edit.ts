/**
 * What one commit to the fleet repository changes, decided against the branch tip it is built
 * on. Some folders belong wholly to gitops (a cluster's flux-system/, a shared profile version):
 * after the commit they hold exactly the given files. Some single files belong to gitops in a
 * folder the team writes in too. And some files are the team's, which gitops writes only when they
 * are absent or edits in one owned place: that is decided by looking at the tip, so a change is
 * either fixed data or a function of the tip, run again on every attempt (a concurrent writer's
 * commit is seen, never overwritten).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WarningCode } from '../../primitives/events.js';
import { checkRepoPath } from './checks.js';

/** The branch tip a change is built on. */
export interface FleetTree {
  /** The tip commit, or undefined for an empty repository or a new branch. */
  head: string | undefined;
  /** A file's text at the tip (a repository path), or undefined when it is absent. */
  read(file: string): Promise<string | undefined>;
}

export interface FleetWarning {
  code: WarningCode;
  message: string;
}

export interface FleetEdit {
  /** Repository folder -> its files (relative to it); afterwards it holds exactly these. Empty: removed. */
  folders?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Repository path -> content, for single files. */
  files?: Readonly<Record<string, string>>;
  /** What the person running gitops should know (a team file left as it was). */
  warnings?: readonly FleetWarning[];
}

export type FleetChange = FleetEdit | ((tip: FleetTree) => FleetEdit | Promise<FleetEdit>);

/** A tree whose files are a folder on disk (a checkout of `head`). */
export function treeOf(dir: string, head: string | undefined): FleetTree {
  return {
    head,
    async read(file) {
      const clean = checkRepoPath(file);
      return readFile(path.join(dir, clean), 'utf8').catch(() => undefined);
    },
  };
}

export async function resolveChange(change: FleetChange, tip: FleetTree): Promise<FleetEdit> {
  return typeof change === 'function' ? await change(tip) : change;
}
