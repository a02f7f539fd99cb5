/**
 * Git URLs are user input that ends up on a git command line. Git can run arbitrary programs
 * through some transports (`ext::sh -c ...`, `fd::`), and a URL starting with `-` is read as an
 * option (`--upload-pack=...`). We accept only the transports a fleet or profile repo really
 * uses and refuse the rest before git ever sees them.
 */
import { userError } from '../../primitives/errors.js';

export type GitTransport = 'https' | 'http' | 'ssh' | 'git' | 'file' | 'scp' | 'local';

/** What git may speak, also enforced inside git itself through GIT_ALLOW_PROTOCOL. */
export const ALLOWED_PROTOCOLS = 'https:http:ssh:git:file';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// user@host:path, as ssh/scp write it; the host part has no slash before the colon.
const SCP_LIKE = /^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

/** Returns the transport of an acceptable URL or throws a one-line user error naming it. */
export function checkGitUrl(
  url: string,
  what = 'git URL',
  accepted = 'an https://, ssh://, git@host:path or file:// URL',
): GitTransport {
  const shown = redactUrl(url);
  if (url.trim() === '') throw userError('GITOPS_BAD_INPUT', `${what} is empty`);
  if (url.startsWith('-')) {
    throw userError('GITOPS_BAD_INPUT', `${what} "${shown}" must not start with "-"`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(url)) {
    throw userError('GITOPS_BAD_INPUT', `${what} "${shown}" contains whitespace or control characters`);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `${what} "${shown}" uses a remote-helper transport, which is not allowed`,
      {
        hint: `use ${accepted}`,
      },
    );
  }
  const m = SCHEME.exec(url);
  if (m) {
    const scheme = m[1]!.toLowerCase();
    if (
      scheme === 'https' ||
      scheme === 'http' ||
      scheme === 'ssh' ||
      scheme === 'git' ||
      scheme === 'file'
    ) {
      const rest = url.slice(m[0].length);
      if (scheme !== 'file' && (rest === '' || rest.startsWith('/') || rest.startsWith('-'))) {
        throw userError('GITOPS_BAD_INPUT', `${what} "${shown}" has no host`);
      }
      return scheme;
    }
    throw userError('GITOPS_BAD_INPUT', `${what} "${shown}" uses unsupported transport "${scheme}"`, {
      hint: `use ${accepted}`,
    });
  }
  if (url.startsWith('/')) return 'local';
  if (SCP_LIKE.test(url)) return 'scp';
  throw userError('GITOPS_BAD_INPUT', `${what} "${shown}" is not a git URL`, {
    hint: `use ${accepted}`,
  });
}

/** Hides any password or token embedded in a URL before it goes into a message. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1***@');
}

/**
 * The URL without a password or token in it, for anything that is stored (the fleet repo's
 * cluster.yaml and profile record): `https://bot:token@host/x` -> `https://host/x`.
 */
export function withoutCredentials(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*:[^/@]*@/, '$1');
}
