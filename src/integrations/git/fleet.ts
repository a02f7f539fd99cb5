/**
 * Writes into the fleet repository: one commit holding a change (edit.ts: folders gitops owns
 * whole, single files, and team files decided against the tip), pushed without force. The
 * simplest change makes `path` hold exactly `files`; nothing else in the repository changes.
 *
 * Each attempt starts from the remote's current tip (a fresh shallow fetch into a temporary
 * folder), computes the change against it, commits only when the tree changed, and pushes. When
 * another writer got in first the push is refused as non-fast-forward; the next attempt rebuilds
 * our commit on top of theirs, which is a rebase whose conflicts are resolved the only sensible
 * way: their changes elsewhere are kept, what we own becomes what we render, and what the team
 * owns is looked at again. Nothing is kept locally between runs, so a failed run leaves nothing
 * to clean up and a re-run starts clean.
 */
import type { SimpleGit } from 'simple-git';
import { isGitopsError, systemError } from '../../primitives/errors.js';
import { emit, type EventSink, nullSink } from '../../primitives/events.js';
import { checkBranch, checkRepoPath } from './checks.js';
import { type GitAuth, gitFailure, gitReason, redactSecrets, remoteFor } from './exec.js';
import { type FleetChange, type FleetEdit, resolveChange } from './edit.js';
import { commitEdit, fetchTip, openWorkspace, tipTree, type Workspace } from './workspace.js';
import { checkGitUrl, redactUrl } from './url.js';

export interface PublishRequest {
  url: string;
  branch: string;
  /** Folder in the repository (`clusters/research`): named in messages, and `files` go there. */
  path: string;
  /** Relative to `path` -> content; an empty map removes the folder. Ignored when `change` is set. */
  files?: Readonly<Record<string, string>>;
  /** The change to make, against the tip of each attempt. */
  change?: FleetChange;
  message: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  sink?: EventSink;
  /** Progress events are attributed to this plan step. */
  stepId?: string;
  auth?: GitAuth;
  /** Attempts when other writers keep getting in first (default MAX_PUSH_ATTEMPTS). */
  maxAttempts?: number;
  /** Test seam: runs after our commit is made and before it is pushed. */
  beforePush?: (attempt: number) => Promise<void>;
}

/** The change a request describes: its own, or `path` made to hold exactly `files`. */
export function changeOf(req: Pick<PublishRequest, 'path' | 'files' | 'change'>): FleetChange {
  if (req.change !== undefined) return req.change;
  return { folders: { [checkRepoPath(req.path)]: req.files ?? {} } };
}

export interface PublishResult {
  /** The branch tip after the operation (ours when committed). Undefined only for an empty branch left empty. */
  revision: string | undefined;
  committed: boolean;
  attempts: number;
  /** The change as made on the last attempt (its warnings say what was left alone). */
  edit: FleetEdit;
}

/**
 * Each attempt that loses loses to a commit another writer pushed since our fetch, so N writers at
 * once (a CI matrix bootstrapping N clusters) need at most N attempts each; 5 failed ten
 * bootstraps at once (the fleet-bootstrap-concurrent benchmark), 25 covers a matrix of 25.
 */
export const MAX_PUSH_ATTEMPTS = 25;
/** The most slots a retry waits in: 8 attempts' time, reached after the fourth loss in a row. */
const MAX_RETRY_SLOTS = 8;

export async function publishFleet(request: PublishRequest): Promise<PublishResult> {
  checkGitUrl(request.url, 'fleet git URL');
  checkBranch(request.branch);
  const folder = checkRepoPath(request.path);
  const change = changeOf(request);
  const { url, auth } = remoteFor(request.url, request.env, request.auth);
  const req: PublishRequest = auth === undefined ? { ...request, url } : { ...request, url, auth };
  const sink = req.sink ?? nullSink;
  const progress = (message: string) =>
    req.stepId === undefined
      ? emit(sink, { type: 'info', code: 'GITOPS_FLEET', message })
      : emit(sink, { type: 'step-progress', stepId: req.stepId, message });
  const maxAttempts = req.maxAttempts ?? MAX_PUSH_ATTEMPTS;
  const shown = redactUrl(req.url);

  const ws = await openWorkspace({ ...req, auth });
  try {
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      progress(
        attempt === 1 ? `fetching ${shown} ${req.branch}` : `fetching ${shown} again (attempt ${attempt})`,
      );
      const base = await fetchTip(ws);
      const edit = await editOn(ws, base, change);
      // Plumbing, not `git commit`: the content is generated, so a developer's own commit hooks
      // (linters, signing prompts) must neither block nor alter it.
      const { revision, changes } = await commitEdit(ws, base, edit, req.message);
      if (changes.length === 0) {
        progress(`${folder} is already up to date`);
        return { revision: base, committed: false, attempts: attempt, edit };
      }
      await req.beforePush?.(attempt);
      progress(
        `pushing ${revision.slice(0, 12)} (${changes.length} files changed) to ${shown} ${req.branch}`,
      );
      const outcome = await push(ws.git, req, revision, auth);
      if (outcome === 'pushed') return { revision, committed: true, attempts: attempt, edit };
      if (attempt >= maxAttempts) {
        throw systemError(
          'GITOPS_CONFLICT',
          `push to ${shown} ${req.branch} kept losing to other writers (${attempt} attempts)`,
          {
            hint: 'someone is pushing to the same branch continuously; re-run when it is quiet',
          },
        );
      }
      progress(`${req.branch} moved on ${shown}; rebuilding our commit on the new tip`);
      // A refused push means another writer's push landed; the others that lost with us retry
      // too, and only one of any that overlap can win. Spreading the retries over a window of
      // whole attempts (as long as ours took: fetch, build, push) lets each land in turn instead
      // of all rebuilding for nothing, and the window doubles while we keep losing (many
      // writers). Random within it, so the writers that lost together do not collide again.
      const slots = Math.min(2 ** (attempt - 1), MAX_RETRY_SLOTS);
      await delay(Math.random() * slots * (Date.now() - started), req.signal);
    }
  } finally {
    await ws.close();
  }
}

/** The change as made on `base`, reading the files it looks at from base's objects. */
export async function editOn(
  ws: Workspace,
  base: string | undefined,
  change: FleetChange,
): Promise<FleetEdit> {
  const tip = tipTree(ws, base);
  try {
    return await resolveChange(change, tip);
  } finally {
    tip.close();
  }
}

/** Removes a cluster's folder in one commit (destroy); no commit when it is already gone. */
export function removeFleetPath(req: Omit<PublishRequest, 'files' | 'change'>): Promise<PublishResult> {
  return publishFleet({ ...req, files: {} });
}

type PushOutcome = 'pushed' | 'behind';

async function push(
  git: SimpleGit,
  req: PublishRequest,
  revision: string,
  auth: GitAuth | undefined,
): Promise<PushOutcome> {
  try {
    // No --force, ever: a refused push means someone else's commit is there, and it must stay.
    await git.raw(['push', '--no-verify', '--', req.url, `${revision}:refs/heads/${req.branch}`]);
    return 'pushed';
  } catch (e) {
    if (isGitopsError(e)) throw e;
    const text = e instanceof Error ? e.message : String(e);
    if (
      /non-fast-forward|fetch first|\[rejected\]|stale info|cannot lock ref|failed to update ref|reference already exists/i.test(
        text,
      )
    ) {
      return 'behind';
    }
    if (/\[remote rejected\]|hook declined|pre-receive|protected branch/i.test(text)) {
      const reason = redactSecrets(remoteReason(text), auth);
      throw systemError(
        'GITOPS_GIT',
        `push to ${redactUrl(req.url)} ${req.branch} was rejected by the remote: ${reason}`,
        {
          hint: 'check the branch protection and hooks of the fleet repository; nothing was changed there, re-run when fixed',
          cause: new Error(redactSecrets(text, auth)),
        },
      );
    }
    throw gitFailure(e, 'pushing to', req.url, auth);
  }
}

/** The remote's own words (`remote: ...` lines) or the rejection reason in parentheses. */
function remoteReason(text: string): string {
  const remoteLines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^remote:\s*\S/.test(l))
    .map((l) => l.replace(/^remote:\s*/, ''));
  const paren = /\[remote rejected\][^(]*\(([^)]+)\)/.exec(text)?.[1];
  const parts = [...remoteLines.slice(0, 2), ...(paren ? [paren] : [])];
  return parts.length > 0 ? parts.join('; ') : gitReason(text);
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(systemError('GITOPS_ABORTED', 'interrupted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(systemError('GITOPS_ABORTED', 'interrupted'));
      },
      { once: true },
    );
  });
}
