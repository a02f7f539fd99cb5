/**
 * Where Flux's install manifests come from, in order of preference:
 *   1. --reconciler-manifests FILE|URL: the user's choice, used as given (its sha256 reported);
 *   2. the local cache, ~/.cache/gitops/flux/<version>/install.yaml;
 *   3. a download of Flux's release install.yaml for that version over HTTPS.
 * A downloaded (or cached) file must match the sha256 pinned in checksums.ts; a mismatch is
 * refused with both hashes. For a version without a pinned checksum we say so, and the sha256
 * seen is recorded in the fleet repo (gotk-components.yaml header) so that a later download of
 * the same version that differs is refused too.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isGitopsError, systemError, userError } from '../../../primitives/errors.js';
import { kindsDefinedBy, splitApiVersion } from '../../kube/api-kinds.js';
import { parseManifests } from '../../kube/manifests.js';
import { emit, type EventSink, type WarningCode } from '../../../primitives/events.js';
import type { ReconcilerManifests, Verification } from '../reconciler.js';
import { fluxInstallUrl, PINNED_FLUX_CHECKSUMS, type PinnedChecksum } from './checksums.js';
import { GIT_REPOSITORY_API, KUSTOMIZATION_API } from './sync.js';

/** Flux's install manifests: the reconciler interface's ReconcilerManifests. */
export type FluxManifests = ReconcilerManifests;

export interface FluxManifestOptions {
  version: string;
  /** --reconciler-manifests: a file path or an http(s) URL. */
  source?: string;
  /** ~/.cache/gitops/flux, or under $XDG_CACHE_HOME (see defaultFluxCacheDir). */
  cacheDir: string;
  /** Default Flux's GitHub releases; tests point it at a local server. */
  releaseBaseUrl?: string;
  /** sha256 the fleet repo recorded for this version (see recordedChecksum). */
  recordedSha256?: string;
  /** Replaces the pinned table (tests). */
  pinned?: Readonly<Record<string, PinnedChecksum>>;
  timeoutMs?: number;
  sink?: EventSink;
  stepId?: string;
}

const MAX_BYTES = 8 * 1024 * 1024;

export function defaultFluxCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'gitops', 'flux');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function resolveFluxManifests(options: FluxManifestOptions): Promise<FluxManifests> {
  const { version } = options;
  if (options.source !== undefined) return await fromFlag(options.source, options);

  const pinned = (options.pinned ?? PINNED_FLUX_CHECKSUMS)[version];
  const expected = pinned?.sha256 ?? options.recordedSha256;
  const verification: Verification = pinned ? 'pinned' : options.recordedSha256 ? 'recorded' : 'first-seen';
  const cacheFile = join(options.cacheDir, version, 'install.yaml');

  const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
  if (cached !== undefined) {
    const sha = sha256Hex(cached);
    if (expected === undefined || sha === expected) {
      return { version, text: cached, sha256: sha, origin: 'cache', location: cacheFile, verification };
    }
    note(
      options,
      `cached Flux ${version} manifests at ${cacheFile} have sha256 ${sha}, expected ${expected}: downloading again`,
    );
  }

  const url = fluxInstallUrl(version, options.releaseBaseUrl);
  const text = await download(url, options.timeoutMs ?? 60_000);
  const sha = sha256Hex(text);
  if (expected !== undefined && sha !== expected) {
    const against = pinned ? 'the checksum pinned in gitops' : 'the checksum recorded in the fleet repo';
    throw systemError(
      'GITOPS_CHECKSUM',
      `refusing Flux ${version} manifests from ${url}: sha256 ${sha} does not match ${against} (${expected})`,
      {
        hint: 'the download was altered or the release was replaced; pass --reconciler-manifests FILE to choose deliberately',
      },
    );
  }
  if (expected === undefined) {
    warn(
      options,
      'GITOPS_CHECKSUM_UNPINNED',
      `Flux ${version} has no pinned checksum in this version of gitops; recording the sha256 seen (${sha}) ` +
        'in the fleet repo, and later downloads of this version must match it',
    );
  }
  await writeAtomically(cacheFile, text);
  return { version, text, sha256: sha, origin: 'download', location: url, verification };
}

async function fromFlag(source: string, options: FluxManifestOptions): Promise<FluxManifests> {
  const isUrl = /^https?:\/\//i.test(source);
  let text: string;
  if (isUrl) {
    text = await download(source, options.timeoutMs ?? 60_000);
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (e) {
      throw userError(
        'GITOPS_BAD_INPUT',
        `cannot read --reconciler-manifests ${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  }
  checkFlagManifests(text, source);
  const sha = sha256Hex(text);
  note(options, `using Flux manifests from ${source} (sha256 ${sha})`);
  return {
    version: options.version,
    text,
    sha256: sha,
    origin: isUrl ? 'flag-url' : 'flag-file',
    location: source,
    verification: 'user-supplied',
  };
}

/** The kinds the install applies to start syncing: without their CRDs Flux cannot run the fleet. */
const SYNC_KINDS = [
  { apiVersion: GIT_REPOSITORY_API, kind: 'GitRepository' },
  { apiVersion: KUSTOMIZATION_API, kind: 'Kustomization' },
];

/**
 * The user's file must be Kubernetes objects defining the kinds the install applies; otherwise
 * it would be found only at the install, after the cluster was created and the fleet pushed.
 */
function checkFlagManifests(text: string, source: string): void {
  let defined: { group: string; version: string; kind: string }[];
  try {
    defined = parseManifests(text, source).flatMap(kindsDefinedBy);
  } catch (e) {
    if (!isGitopsError(e)) throw e;
    throw userError('GITOPS_BAD_INPUT', `--reconciler-manifests: ${e.message}`);
  }
  const missing = SYNC_KINDS.filter(({ apiVersion, kind }) => {
    const { group, version } = splitApiVersion(apiVersion);
    return !defined.some((d) => d.group === group && d.version === version && d.kind === kind);
  });
  if (missing.length > 0) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `--reconciler-manifests ${source} is not Flux's install manifests: it defines no ${missing.map((m) => `${m.kind} (${m.apiVersion})`).join(' and ')}`,
      { hint: 'pass the gotk-components.yaml or install.yaml of a Flux release' },
    );
  }
}

async function download(url: string, timeoutMs: number): Promise<string> {
  const parsed = new URL(url);
  // Plain HTTP only to this machine (tests, a local mirror): manifests decide what runs in
  // the cluster, so anything remote must come over TLS.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `refusing to download Flux manifests over ${parsed.protocol} from ${parsed.host}`,
      {
        hint: 'use an https:// URL',
      },
    );
  }
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw systemError('GITOPS_RECONCILER', `cannot download ${url}: ${(e as Error).message}`, {
      cause: e,
      hint: 'without network access, pass --reconciler-manifests FILE or fill ~/.cache/gitops/flux/<version>/',
    });
  }
  if (!res.ok) throw systemError('GITOPS_RECONCILER', `cannot download ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES)
    throw systemError('GITOPS_RECONCILER', `${url} is larger than ${MAX_BYTES} bytes`);
  return body.toString('utf8');
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function warn(options: FluxManifestOptions, code: WarningCode, message: string): void {
  if (!options.sink) return;
  emit(options.sink, {
    type: 'warning',
    code,
    message,
    ...(options.stepId !== undefined ? { stepId: options.stepId } : {}),
  });
}

function note(options: FluxManifestOptions, message: string): void {
  if (!options.sink) return;
  if (options.stepId !== undefined)
    emit(options.sink, { type: 'step-progress', stepId: options.stepId, message });
  else emit(options.sink, { type: 'info', code: 'GITOPS_MANIFESTS', message });
}
