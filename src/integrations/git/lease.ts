/**
 * One run at a time per cluster, across machines: a lease held in the fleet repository, which
 * every run already reaches with write access. A local lock file would not stop two CI jobs on
 * two runners.
 *
 * The lease is the ref `refs/gitops/locks/<cluster>` (outside refs/heads and refs/tags, so
 * clones and Flux never see it) pointing at a commit whose message says who holds it and until
 * when (./lease-record.ts). Every change is a plain, non-force push of a child of the commit we
 * read, which makes it a compare-and-swap on the remote:
 *   - create: the ref must still be absent (a second creator is refused by the server);
 *   - renew / release / take over: the ref must still be the commit we read (anyone else's
 *     update in between makes ours a non-fast-forward, refused).
 * No push ever uses --force, and no lease commit is ever lost: the ref's history is a log of
 * the runs on the cluster.
 *
 * A held lease is renewed while the run goes on (every TTL/3). A run that crashed leaves its
 * lease until it expires (TTL, 3 minutes); a run on the same machine takes it over at once when
 * the holder's process is gone. A held lease makes the new run fail at once with who holds it
 * and until when: waiting out a 30-minute bootstrap inside a CI job helps nobody.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type GitopsError, systemError } from '../../primitives/errors.js';
import { emit, type EventSink, nullSink } from '../../primitives/events.js';
import { type GitAuth, gitAt, gitFailure, remoteFor } from './exec.js';
import {
  formatLease,
  type LeaseRecord,
  leaseState,
  type LocalHolder,
  localHolder,
  parseLease,
} from './lease-record.js';
import { checkGitUrl, redactUrl } from './url.js';

export const LEASE_TTL_MS = 3 * 60_000;

/** Lease commits carry no files; git knows its empty tree without storing it. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface LeaseOptions {
  /** The fleet repository. */
  url: string;
  cluster: string;
  /** What the holder does (bootstrap, destroy), for the people who find the lease held. */
  operation: string;
  auth?: GitAuth;
  signal?: AbortSignal;
  sink?: EventSink;
  ttlMs?: number;
  /** Default: a third of the TTL, so two renewals may fail before the lease runs out. */
  renewEveryMs?: number;
  env: NodeJS.ProcessEnv;
  /** Test seams. */
  now?: () => number;
  holder?: LocalHolder;
}

export interface Lease {
  ref: string;
  record: LeaseRecord;
  /** Aborted, with a GitopsError as the reason, when the lease is lost (taken over, or not renewed in time). */
  lost: AbortSignal;
  /** Marks the lease released; never throws (it runs in `finally` blocks). */
  release(): Promise<void>;
}

/** GITOPS_LOCK=off runs without the lease: for Git hosts that refuse refs outside branches and tags. */
export function leaseDisabled(env: NodeJS.ProcessEnv): boolean {
  return ['off', '0', 'false', 'no'].includes((env['GITOPS_LOCK'] ?? '').toLowerCase());
}

export function leaseRef(cluster: string): string {
  return `refs/gitops/locks/${cluster}`;
}

export async function acquireLease(options: LeaseOptions): Promise<Lease> {
  checkGitUrl(options.url, 'fleet git URL');
  const ref = leaseRef(options.cluster);
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? LEASE_TTL_MS;
  const me = options.holder ?? localHolder(options.env);
  const sink = options.sink ?? nullSink;
  const remote = await LeaseRemote.open(options.url, ref, options.env, options.auth);
  try {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const head = await remote.head(options.signal);
      const current = head === undefined ? undefined : await remote.read(head, options.signal);
      if (head !== undefined && current !== undefined) {
        const state = current.record ? leaseState(current.record, now(), me) : 'held';
        if (state === 'held') throw heldError(options, current.record, ref);
        if (state !== 'released' && current.record) {
          emit(sink, {
            type: 'warning',
            code: 'GITOPS_LEASE_TAKEN_OVER',
            message: `taking over the lease on cluster ${options.cluster} of ${describe(current.record)}: ${state === 'expired' ? `it expired at ${iso(current.record.expires)}` : `process ${current.record.pid} no longer runs`}`,
          });
        }
      }
      if (head !== undefined && current === undefined) continue; // moved while we read it
      const t = now();
      const record: LeaseRecord = {
        cluster: options.cluster,
        operation: options.operation,
        holder: me.holder,
        machine: me.machine,
        pid: me.pid,
        run: me.run,
        job: me.job,
        acquired: t,
        expires: t + ttl,
        released: undefined,
      };
      const sha = await remote.write(head, record, options.signal);
      if (sha !== undefined) return held(remote, sha, record, { ...options, ttlMs: ttl, now, sink });
    }
    throw systemError(
      'GITOPS_CONFLICT',
      `could not take the lease on cluster ${options.cluster}: it kept changing`,
      {
        hint: 'other gitops runs are starting on this cluster right now; run again when they are done',
      },
    );
  } catch (e) {
    await remote.close();
    throw e;
  }
}

/** The lease we hold: renewed on a timer, released on request. */
function held(
  remote: LeaseRemote,
  firstSha: string,
  first: LeaseRecord,
  o: LeaseOptions & { ttlMs: number; now: () => number; sink: EventSink },
): Lease {
  const lost = new AbortController();
  let sha = firstSha;
  let record = first;
  let inFlight: Promise<void> = Promise.resolve();
  let done = false;

  const lose = (error: GitopsError) => {
    if (!lost.signal.aborted) lost.abort(error);
  };
  const renew = async () => {
    if (done || lost.signal.aborted) return;
    const next = { ...record, expires: o.now() + o.ttlMs };
    try {
      const pushed = await remote.write(sha, next);
      if (pushed !== undefined) {
        sha = pushed;
        record = next;
        return;
      }
      lose(
        systemError('GITOPS_CONFLICT', `the lease on cluster ${o.cluster} was taken over by another run`, {
          hint: 'another gitops run is changing this cluster now; this run stopped starting new steps',
        }),
      );
    } catch (e) {
      if (o.now() > record.expires) {
        lose(
          systemError(
            'GITOPS_CONFLICT',
            `could not renew the lease on cluster ${o.cluster} before it expired`,
            {
              hint: 'the fleet repository was unreachable; run the same command again to resume',
              cause: e,
            },
          ),
        );
      } else {
        emit(o.sink, {
          type: 'warning',
          code: 'GITOPS_LEASE_RENEWAL',
          message: `could not renew the lease on cluster ${o.cluster} (it holds until ${iso(record.expires)}); retrying`,
        });
      }
    }
  };
  const timer = setInterval(
    () => {
      inFlight = inFlight.then(renew);
    },
    o.renewEveryMs ?? Math.max(1000, Math.floor(o.ttlMs / 3)),
  );
  timer.unref();

  return {
    ref: leaseRef(o.cluster),
    get record() {
      return record;
    },
    lost: lost.signal,
    async release() {
      if (done) return;
      done = true;
      clearInterval(timer);
      await inFlight;
      try {
        // Not the run's signal: an interrupted run must still let go of its lease.
        if (!lost.signal.aborted) await remote.write(sha, { ...record, released: o.now() });
      } catch {
        emit(o.sink, {
          type: 'warning',
          code: 'GITOPS_LEASE_RELEASE',
          message: `could not release the lease on cluster ${o.cluster}; it expires at ${iso(record.expires)}`,
        });
      } finally {
        await remote.close();
      }
    },
  };
}

/** The lease ref on the remote, through a scratch repository that makes the lease commits. */
class LeaseRemote {
  private constructor(
    private readonly dir: string,
    private readonly url: string,
    private readonly ref: string,
    private readonly auth: GitAuth | undefined,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async open(
    rawUrl: string,
    ref: string,
    env: NodeJS.ProcessEnv,
    auth?: GitAuth,
  ): Promise<LeaseRemote> {
    const { url, auth: resolved } = remoteFor(rawUrl, env, auth);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gitops-lease-'));
    const remote = new LeaseRemote(dir, url, ref, resolved, env);
    try {
      await remote.git().raw(['init', '--quiet']);
      return remote;
    } catch (e) {
      await remote.close();
      throw gitFailure(e, 'preparing the lease for', url, resolved);
    }
  }

  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  private git(signal?: AbortSignal) {
    return gitAt({
      baseDir: this.dir,
      env: this.env,
      url: this.url,
      auth: this.auth,
      signal,
      // Lease commits are ours, not the user's: a fixed identity, no hooks, no signing prompts.
      extraEnv: {
        GIT_AUTHOR_NAME: 'gitops',
        GIT_AUTHOR_EMAIL: 'gitops@localhost',
        GIT_COMMITTER_NAME: 'gitops',
        GIT_COMMITTER_EMAIL: 'gitops@localhost',
      },
    });
  }

  private async run(args: string[], action: string, signal?: AbortSignal): Promise<string> {
    try {
      return await this.git(signal).raw(args);
    } catch (e) {
      throw gitFailure(e, action, this.url, this.auth);
    }
  }

  /** The commit the lease ref points at, or undefined when there is no lease. */
  async head(signal?: AbortSignal): Promise<string | undefined> {
    const out = await this.run(['ls-remote', '--', this.url, this.ref], 'reading the lease on', signal);
    return out
      .split('\n')
      .find((l) => l.endsWith(`\t${this.ref}`))
      ?.split('\t')[0];
  }

  /** The lease at `sha`, or undefined when the ref moved on before we fetched it. */
  async read(sha: string, signal?: AbortSignal): Promise<{ record: LeaseRecord | undefined } | undefined> {
    await this.run(
      ['fetch', '--quiet', '--no-tags', '--depth=1', '--', this.url, `+${this.ref}:refs/gitops/seen`],
      'reading the lease on',
      signal,
    );
    const out = await this.run(['log', '-1', '--format=%H%n%B', 'refs/gitops/seen'], 'reading the lease on');
    const [fetched, ...message] = out.split('\n');
    if (fetched !== sha) return undefined;
    return { record: parseLease(message.join('\n')) };
  }

  /**
   * Pushes a lease commit whose parent is `parent` (none: the ref must not exist). Returns the
   * new commit, or undefined when someone else changed the ref first.
   */
  async write(
    parent: string | undefined,
    record: LeaseRecord,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const sha = (
      await this.run(
        ['commit-tree', EMPTY_TREE, ...(parent ? ['-p', parent] : []), '-m', formatLease(record)],
        'writing the lease for',
        signal,
      )
    ).trim();
    try {
      await this.git(signal).raw(['push', '--quiet', '--no-verify', '--', this.url, `${sha}:${this.ref}`]);
      return sha;
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      if (
        /\[rejected\]|non-fast-forward|fetch first|stale info|already exists|failed to update ref|cannot lock ref/i.test(
          text,
        )
      ) {
        return undefined;
      }
      throw gitFailure(e, 'writing the lease to', this.url, this.auth);
    }
  }
}

function heldError(o: LeaseOptions, record: LeaseRecord | undefined, ref: string): GitopsError {
  if (!record) {
    return systemError(
      'GITOPS_CONFLICT',
      `cluster ${o.cluster} is locked by ${ref} in ${redactUrl(o.url)}, which gitops cannot read`,
      { hint: `if no gitops run is active on this cluster, delete it: git push ${redactUrl(o.url)} :${ref}` },
    );
  }
  return systemError(
    'GITOPS_CONFLICT',
    `cluster ${o.cluster} is locked by another gitops ${record.operation}: ${describe(record)}, since ${iso(record.acquired)}, lease until ${iso(record.expires)}`,
    {
      hint: `wait for that run to finish, then run again; if it crashed, its lease expires at ${iso(record.expires)} (it is renewed while the run goes on)`,
    },
  );
}

function describe(r: LeaseRecord): string {
  return `${r.holder}${r.pid === undefined ? '' : ` pid ${r.pid}`}${r.job ? ` (${r.job})` : ''}`;
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The lease a run that changes a cluster holds, or undefined when GITOPS_LOCK=off (said as a
 * warning, so nobody runs without it unknowingly).
 */
export async function clusterLease(options: LeaseOptions): Promise<Lease | undefined> {
  if (leaseDisabled(options.env)) {
    emit(options.sink ?? nullSink, {
      type: 'warning',
      code: 'GITOPS_LEASE_OFF',
      message: `GITOPS_LOCK=off: not taking the lease on cluster ${options.cluster}; nothing stops a second run on it`,
    });
    return undefined;
  }
  const lease = await acquireLease(options);
  emit(options.sink ?? nullSink, {
    type: 'info',
    code: 'GITOPS_LEASE_HELD',
    message: `holding the lease ${lease.ref} in ${redactUrl(options.url)} until ${iso(lease.record.expires)} (renewed while running)`,
  });
  return lease;
}
