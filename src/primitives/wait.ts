/** Abortable timing helpers shared by every waiter. */
import { systemError } from './errors.js';

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return systemError('GITOPS_ABORTED', 'interrupted');
}

/** Parses durations such as 40m, 90s, 1h30m, 500ms. Returns milliseconds, or undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  }
  return total > 0 ? Math.round(total) : undefined;
}

/**
 * A signal that fires when `parent` does, or when `ms` have passed; then its reason is a timeout
 * error naming what ran out of time (not an anonymous AbortError), so that every call listening
 * on it fails with that one message.
 */
export function deadlineSignal(parent: AbortSignal, ms: number, what: string): AbortSignal {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      systemError('GITOPS_TIMEOUT', `${what} did not finish within ${formatMs(ms)}`, {
        hint: 'raise --timeout, or check what it was waiting for with --verbose',
      }),
    );
  }, ms);
  // A pending deadline must not keep the process alive once the command is done.
  timer.unref();
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return controller.signal;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
