/**
 * The one place git runs. Every command gets the same hardened environment: no prompts (a CI job
 * must fail, not hang), only the transports we allow (checked by git itself, so even a
 * submodule or redirect cannot reach `ext::`), and an optional token passed as an HTTP header
 * through GIT_CONFIG_* variables of that one process: it is never written into the repository,
 * its config, the remote URL or any message.
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { isAbortError, systemError, type GitopsError } from '../../primitives/errors.js';
import { registerSecret } from '../../primitives/redact.js';
import { ALLOWED_PROTOCOLS, redactUrl } from './url.js';

export interface GitAuth {
  /** A personal access / deploy token for https remotes. */
  token?: string;
  /** The user name sent with the token (GitHub accepts any; `x-access-token` is its convention). */
  username?: string;
}

/** GITOPS_GIT_TOKEN wins over GIT_TOKEN; no token means the user's own git setup applies. */
export function authFromEnv(env: NodeJS.ProcessEnv): GitAuth | undefined {
  const token = env['GITOPS_GIT_TOKEN'] || env['GIT_TOKEN'];
  if (!token) return undefined;
  const username = env['GITOPS_GIT_USERNAME'] || env['GIT_USERNAME'];
  return username ? { token, username } : { token };
}

/**
 * Credentials written into an https URL (`https://user:token@host/...`) would be stored by git
 * (FETCH_HEAD) and echoed in its messages. They are taken out of the URL and sent the same way
 * as a token from the environment: a header in the environment of each command.
 */
export function remoteFor(
  url: string,
  env: NodeJS.ProcessEnv,
  auth?: GitAuth,
): { url: string; auth: GitAuth | undefined } {
  const m = /^(https?:\/\/)([^/@]*):([^/@]*)@(.*)$/i.exec(url);
  if (!m) return { url, auth: auth ?? authFromEnv(env) };
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  // Redacted from anything the CLI writes from now on, like the tokens read from the environment.
  registerSecret(decode(m[3]!));
  return { url: `${m[1]}${m[4]}`, auth: auth ?? { username: decode(m[2]!), token: decode(m[3]!) } };
}

// Variables simple-git refuses because they run programs. We never open an editor or a pager,
// so dropping them changes nothing but lets a developer's usual shell (EDITOR=vim) work.
const DROPPED = new Set([
  'EDITOR',
  'VISUAL',
  'PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
  'GIT_EXEC_PATH',
  'GIT_TEMPLATE_DIR',
  'PREFIX',
]);

export function gitEnv(
  processEnv: NodeJS.ProcessEnv,
  url: string | undefined,
  auth: GitAuth | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(processEnv)) {
    if (v !== undefined && !DROPPED.has(k.toUpperCase())) env[k] = v;
  }
  env['GIT_TERMINAL_PROMPT'] = '0';
  env['GIT_ALLOW_PROTOCOL'] = ALLOWED_PROTOCOLS;
  env['GCM_INTERACTIVE'] = 'never';
  if (auth?.token && url !== undefined && /^https?:\/\//i.test(url)) {
    const basic = Buffer.from(`${auth.username ?? 'x-access-token'}:${auth.token}`).toString('base64');
    const n = Number.parseInt(env['GIT_CONFIG_COUNT'] ?? '0', 10) || 0;
    env[`GIT_CONFIG_KEY_${n}`] = 'http.extraHeader';
    env[`GIT_CONFIG_VALUE_${n}`] = `Authorization: Basic ${basic}`;
    env['GIT_CONFIG_COUNT'] = String(n + 1);
  }
  return env;
}

export interface GitOptions {
  baseDir: string;
  /** The environment git runs with (PATH, HOME, the user's ssh and credential settings). */
  env: NodeJS.ProcessEnv;
  /** The remote this git talks to; decides whether the token applies. */
  url?: string;
  auth?: GitAuth | undefined;
  signal?: AbortSignal | undefined;
  /** Added to the environment of every command (commit identity). */
  extraEnv?: Record<string, string>;
}

export function gitAt(opts: GitOptions): SimpleGit {
  return simpleGit({
    baseDir: opts.baseDir,
    maxConcurrentProcesses: 1,
    ...(opts.signal ? { abort: opts.signal } : {}),
    // These come from the user's own environment (their ssh command, askpass, config files) or
    // from us (the token header); none is derived from a profile or a URL.
    unsafe: {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
    },
  }).env({ ...gitEnv(opts.env, opts.url, opts.auth), ...opts.extraEnv });
}

/**
 * Turns a git failure into a one-line system error: what we were doing, on which remote
 * (credentials redacted), and git's own first meaningful line.
 */
export function gitFailure(e: unknown, action: string, url: string, auth?: GitAuth): GitopsError {
  if (isAbortError(e) || (e instanceof Error && /abort/i.test(e.message) && /signal/i.test(e.message))) {
    return systemError('GITOPS_ABORTED', `interrupted while ${action}`, { cause: e });
  }
  const raw = e instanceof Error ? e.message : String(e);
  const detail = redactSecrets(gitReason(raw), auth);
  const denied =
    /could not read Username|terminal prompts disabled|Authentication failed|403|Permission denied \(publickey/i.test(
      raw,
    );
  return systemError('GITOPS_GIT', `${action} ${redactUrl(url)} failed: ${detail}`, {
    cause: new Error(redactSecrets(raw, auth)),
    ...(denied
      ? {
          hint: 'the remote wants credentials: set GITOPS_GIT_TOKEN (https), load your SSH key (ssh), or configure a git credential helper',
        }
      : {}),
  });
}

/** The most telling line of git's stderr (`fatal:`/`error:`/`remote:` lines first). */
export function gitReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const pick =
    lines.find((l) => /^(fatal|error):/.test(l) && !/failed to push some refs/.test(l)) ??
    lines.find((l) => /^remote:\s*\S/.test(l)) ??
    lines[0] ??
    'unknown error';
  return pick.replace(/^(fatal|error):\s*/, '');
}

export function redactSecrets(text: string, auth?: GitAuth): string {
  let out = text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/g, '$1***@');
  if (auth?.token) out = out.split(auth.token).join('***');
  out = out.replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1***');
  return out;
}
