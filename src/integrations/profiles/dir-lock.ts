/**
 * A lock between processes sharing the profile cache (two CI jobs on one runner): an atomic
 * mkdir. A lock older than `staleMs` belongs to a process that died and is taken over.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { systemError } from '../../primitives/errors.js';

export async function withDirLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number; staleMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  const waitMs = opts.waitMs ?? 120_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (opts.signal?.aborted) throw systemError('GITOPS_ABORTED', 'interrupted');
      if (Date.now() > until) {
        throw systemError(
          'GITOPS_TIMEOUT',
          `the profile cache is locked by another gitops run (${lockDir})`,
          {
            hint: 'wait for the other run, or remove the lock folder if no other run is active',
          },
        );
      }
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
