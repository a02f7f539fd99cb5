/**
 * One line per event, for CI logs and pipes: no cursor movement, stable prefixes that grep well.
 * Progress lines are rate-limited per step so a long wait does not flood the log.
 */
import type { EventSink, GitopsEvent, StepResult } from '../primitives/events.js';
import { formatDuration, type Style } from './style.js';

export interface LineWriter {
  write(text: string): void;
}

export class PlainReporter implements EventSink {
  private readonly lastProgress = new Map<string, number>();

  constructor(
    private readonly out: LineWriter,
    private readonly style: Style,
    private readonly progressEveryMs = 10_000,
  ) {}

  emit(event: GitopsEvent): void {
    const line = this.format(event);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  private format(e: GitopsEvent): string | undefined {
    const s = this.style;
    switch (e.type) {
      case 'plan-started':
        return `${s.bold(e.dryRun ? 'plan (dry run)' : 'plan')} ${e.plan}: ${e.steps.length} steps`;
      case 'step-started':
        return `${s.dim('…')} ${e.title} ${s.dim(`[${e.stepId}]`)}`;
      case 'step-progress': {
        const last = this.lastProgress.get(e.stepId) ?? 0;
        if (e.at - last < this.progressEveryMs) return undefined;
        this.lastProgress.set(e.stepId, e.at);
        const elapsed = e.elapsedMs === undefined ? '' : ` ${s.dim(`(${formatDuration(e.elapsedMs)})`)}`;
        return `  ${e.stepId}: ${e.message}${elapsed}`;
      }
      case 'step-finished': {
        const summary = e.summary ? ` ${s.dim(`- ${e.summary}`)}` : '';
        const error = e.error ? `: ${e.error.message}` : '';
        return `${resultSymbol(e.result, s)} ${e.title} ${resultWord(e.result, s)} ${s.dim(formatDuration(e.durationMs))}${summary}${error}`;
      }
      case 'plan-finished':
        return `${e.ok ? s.green('done') : s.red('failed')} in ${formatDuration(e.durationMs)}`;
      case 'info':
        return `  ${e.message}`;
      case 'warning':
        return `${s.yellow('warning')} ${e.message}`;
    }
  }
}

export function resultSymbol(result: StepResult, s: Style): string {
  switch (result) {
    case 'failed':
      return s.red('✖');
    case 'skipped':
      return s.dim('-');
    case 'would-change':
      return s.yellow('~');
    case 'unchanged':
      return s.green('✔');
    default:
      return s.green('✔');
  }
}

export function resultWord(result: StepResult, s: Style): string {
  switch (result) {
    case 'failed':
      return s.red(result);
    case 'would-change':
      return s.yellow(result);
    case 'unchanged':
    case 'skipped':
      return s.dim(result);
    default:
      return s.green(result);
  }
}
