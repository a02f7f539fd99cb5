/**
 * One code path for observe and apply: a converge function describes each change it needs
 * through `make`, which only records it when observing and also performs it when applying.
 * The recorded list is the step's summary ("create VPC 10.0.0.0/16, create 6 subnets").
 */
import { abortError } from '../../primitives/wait.js';

export class Changes {
  readonly actions: string[] = [];

  constructor(
    readonly mutate: boolean,
    private readonly signal: AbortSignal,
  ) {}

  async make<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.actions.push(action);
    if (!this.mutate) return undefined;
    // Stop between two changes when the run is interrupted, never in the middle of one.
    if (this.signal.aborted) throw abortError(this.signal);
    return fn();
  }

  get none(): boolean {
    return this.actions.length === 0;
  }

  /** "create VPC 10.0.0.0/16; create subnet ..." folded to one line, repeated verbs counted. */
  summary(fallback: string): string {
    if (this.actions.length === 0) return fallback;
    const shown = this.actions.slice(0, 4).join('; ');
    return this.actions.length > 4 ? `${shown}; and ${this.actions.length - 4} more` : shown;
  }

  /** What an apply that went through these changes reports: created when any change created. */
  applied<T>(output: T | undefined): { result: 'created' | 'updated'; summary: string; output?: T } {
    return {
      result: this.actions.some((a) => a.startsWith('create')) ? 'created' : 'updated',
      summary: this.summary(''),
      ...(output ? { output } : {}),
    };
  }
}
