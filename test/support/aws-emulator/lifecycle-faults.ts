// Lifecycle faults: make a resource end its creation in a failed state (a cluster FAILED, a node
// group CREATE_FAILED, ...) with the reason AWS would report, so callers' failure paths run.

import type { Failure } from './clock.js';
import type { LifecycleFault } from './types.js';

type Kind = LifecycleFault['resource'];

/** Status names and default issue codes each resource kind really uses. */
function toFailure(f: LifecycleFault): Failure {
  const message = f.message ?? `Injected ${f.outcome} for ${f.resource}${f.name ? ` ${f.name}` : ''}`;
  switch (f.resource) {
    case 'cluster':
      return { status: 'FAILED', code: f.code ?? 'InternalFailure', message };
    case 'nodegroup':
      return {
        status: f.outcome === 'DEGRADED' ? 'DEGRADED' : 'CREATE_FAILED',
        code: f.code ?? 'NodeCreationFailure',
        message,
      };
    case 'addon':
      return f.outcome === 'DEGRADED'
        ? { status: 'DEGRADED', code: f.code ?? 'InsufficientNumberOfReplicas', message }
        : { status: 'CREATE_FAILED', code: f.code ?? 'ConfigurationConflict', message };
    case 'natgateway':
      return { status: 'failed', code: f.code ?? 'InternalError', message };
  }
}

export class LifecycleFaults {
  private pending: LifecycleFault[] = [];

  add(f: LifecycleFault): void {
    this.pending.push({ ...f });
  }

  /** The failure for a resource being created now, if a queued fault matches (consumed once). */
  take(kind: Kind, name: string): Failure | undefined {
    const i = this.pending.findIndex((f) => f.resource === kind && (f.name === undefined || f.name === name));
    if (i < 0) return undefined;
    const [f] = this.pending.splice(i, 1);
    return f ? toFailure(f) : undefined;
  }

  list(): LifecycleFault[] {
    return this.pending.map((f) => ({ ...f }));
  }
}

export { toFailure };
