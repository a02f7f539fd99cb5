/**
 * The interactive reporter: one ora spinner that names every running step (steps run
 * concurrently) with its latest progress, and a persisted ✔/✖ line with the duration for each
 * finished step. Used only when the output stream is a TTY and CI is not set.
 */
import type { Ora } from 'ora';
import type { EventSink, GitopsEvent } from '../primitives/events.js';
import { resultSymbol, resultWord } from './plain-reporter.js';
import { formatDuration, type Style } from './style.js';

type OraFactory = (options: {
  stream: NodeJS.WriteStream;
  text: string;
  color: 'cyan';
  discardStdin: false;
}) => Ora;

export class SpinnerReporter implements EventSink {
  private spinner: Ora | undefined;
  private readonly running = new Map<string, { title: string; started: number; progress?: string }>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly ora: OraFactory,
    private readonly stream: NodeJS.WriteStream,
    private readonly style: Style,
  ) {}

  emit(e: GitopsEvent): void {
    switch (e.type) {
      case 'plan-started':
        this.persist(
          this.style.bold(`${e.dryRun ? 'Plan (dry run)' : 'Plan'} ${e.plan}: ${e.steps.length} steps`),
        );
        break;
      case 'step-started':
        this.running.set(e.stepId, { title: e.title, started: e.at });
        this.refresh();
        break;
      case 'step-progress': {
        const r = this.running.get(e.stepId);
        if (r) r.progress = e.message;
        this.refresh();
        break;
      }
      case 'step-finished': {
        this.running.delete(e.stepId);
        const s = this.style;
        const detail = e.error ? `: ${e.error.message}` : e.summary ? s.dim(` - ${e.summary}`) : '';
        this.persist(
          `${resultSymbol(e.result, s)} ${e.title} ${resultWord(e.result, s)} ${s.dim(formatDuration(e.durationMs))}${detail}`,
        );
        break;
      }
      case 'plan-finished':
        this.stop();
        break;
      case 'info':
        this.persist(`  ${e.message}`);
        break;
      case 'warning':
        this.persist(`${this.style.yellow('⚠')} ${e.message}`);
        break;
    }
  }

  /** Prints a finished line above the spinner, then lets the spinner continue. */
  private persist(line: string): void {
    if (this.spinner?.isSpinning) {
      this.spinner.stop();
    }
    this.stream.write(`${line}\n`);
    this.refresh();
  }

  private refresh(): void {
    if (this.running.size === 0) {
      this.stop();
      return;
    }
    const now = Date.now();
    const parts = [...this.running.values()].map((r) => {
      const elapsed = this.style.dim(formatDuration(now - r.started));
      return r.progress ? `${r.title} (${r.progress}) ${elapsed}` : `${r.title} ${elapsed}`;
    });
    const text = parts.join(this.style.dim(' · '));
    if (!this.spinner) {
      this.spinner = this.ora({ stream: this.stream, text, color: 'cyan', discardStdin: false });
    }
    this.spinner.text = text;
    if (!this.spinner.isSpinning) this.spinner.start();
    // Elapsed times keep moving even when no event arrives.
    this.ticker ??= setInterval(() => this.refresh(), 1000).unref();
  }

  private stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.spinner?.isSpinning) this.spinner.stop();
  }
}
