/**
 * `-o json` progress: every event as one JSON object on its own line (NDJSON) on stderr, so a
 * script can follow a run while stdout keeps exactly one document. Each line has the event's
 * stable `code` and `type`, an ISO timestamp, and the event's own fields (step id, result,
 * duration, message); secrets are redacted by the stream, as everywhere.
 */
import { codeOf, type EventSink, type GitopsEvent } from '../primitives/events.js';

export class NdjsonReporter implements EventSink {
  constructor(private readonly write: (line: string) => void) {}

  emit(event: GitopsEvent): void {
    const { at, type, ...fields } = event;
    this.write(
      `${JSON.stringify({ code: codeOf(event), type, at: new Date(at).toISOString(), ...fields })}\n`,
    );
  }
}
