// Every AWS call the emulator answered, in arrival order, for assertions such as "no CreateVpc
// on the second run". Bounded so a long sandbox session cannot grow it without limit.

import type { CallRecord } from './types.js';

const MAX_CALLS = 200_000;

export class CallLog {
  private records: CallRecord[] = [];

  add(r: CallRecord): void {
    this.records.push(r);
    if (this.records.length > MAX_CALLS) this.records.splice(0, this.records.length - MAX_CALLS);
  }

  list(filter: { service?: string; operation?: string } = {}): CallRecord[] {
    return this.records.filter(
      (r) =>
        (filter.service === undefined || r.service === filter.service) &&
        (filter.operation === undefined || r.operation === filter.operation),
    );
  }

  clear(): void {
    this.records = [];
  }
}
