/** A sink that keeps every event, for tests to read what a run reported. */
import type { EventSink, GitopsEvent } from '../../src/primitives/events.js';

export class RecordingSink implements EventSink {
  readonly events: GitopsEvent[] = [];
  emit(event: GitopsEvent): void {
    this.events.push(event);
  }
  ofType<T extends GitopsEvent['type']>(type: T): Extract<GitopsEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<GitopsEvent, { type: T }> => e.type === type);
  }
}
