/**
 * The one error type the core throws on purpose. It knows who caused it (the user's input, or
 * the system/remote side), carries a stable code for scripts, a one-line message and an
 * optional hint. The CLI maps it to an exit code and prints it; nothing else formats errors.
 */
export type Fault = 'user' | 'system';

export type ErrorCode =
  | 'GITOPS_BAD_INPUT'
  | 'GITOPS_BAD_CONFIG'
  | 'GITOPS_NOT_FOUND'
  | 'GITOPS_CONFLICT'
  | 'GITOPS_AWS'
  | 'GITOPS_KUBE'
  | 'GITOPS_GIT'
  | 'GITOPS_RECONCILER'
  | 'GITOPS_CHECKSUM'
  | 'GITOPS_TIMEOUT'
  | 'GITOPS_ABORTED'
  /** The change needs AWS changed too: gitops upgrade stops, bootstrap does it. */
  | 'GITOPS_NEEDS_BOOTSTRAP'
  | 'GITOPS_INTERNAL';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notReady: 3,
  interrupted: 130,
} as const;

export interface GitopsErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
  /** Overrides the exit code derived from the fault (user -> 2, system -> 1). */
  exitCode?: number | undefined;
  /** More problems found by the same check, one line each (the message is the first). */
  details?: readonly string[] | undefined;
}

export class GitopsError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(code: ErrorCode, fault: Fault, message: string, options: GitopsErrorOptions = {}) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitopsError';
    this.code = code;
    this.fault = fault;
    this.hint = options.hint === undefined ? undefined : oneLine(options.hint);
    this.details = (options.details ?? []).map(oneLine);
    this.exitCode =
      options.exitCode ??
      (code === 'GITOPS_ABORTED' ? EXIT.interrupted : fault === 'user' ? EXIT.usage : EXIT.failed);
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: string[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details.length === 0 ? {} : { details: [...this.details] }),
    };
  }
}

/** Bad flags, bad files, bad references: exit 2. */
export function userError(code: ErrorCode, message: string, options?: GitopsErrorOptions): GitopsError {
  return new GitopsError(code, 'user', message, options);
}

/** Remote failures, timeouts, bugs: exit 1. */
export function systemError(code: ErrorCode, message: string, options?: GitopsErrorOptions): GitopsError {
  return new GitopsError(code, 'system', message, options);
}

export function isGitopsError(e: unknown): e is GitopsError {
  return e instanceof GitopsError;
}

/** Wraps anything thrown into a GitopsError without losing the original as `cause`. */
export function toGitopsError(e: unknown, code: ErrorCode = 'GITOPS_INTERNAL'): GitopsError {
  if (isGitopsError(e)) return e;
  if (isAbortError(e)) return systemError('GITOPS_ABORTED', 'interrupted', { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return systemError(code, message || 'unknown error', { cause: e });
}

export function isAbortError(e: unknown): boolean {
  return (
    e instanceof Error &&
    (e.name === 'AbortError' || (e as { code?: unknown }).code === 'ABORT_ERR') &&
    !(e instanceof GitopsError)
  );
}

/** Error messages are one line: the first line, trimmed, with inner whitespace folded. */
function oneLine(text: string): string {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return first.replace(/\s+/g, ' ').trim();
}
