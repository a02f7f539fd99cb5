/**
 * A status document of a healthy, empty cluster `c` for the status renderer's tests, each of
 * which changes only the part it is about. Not a test file itself (no `.test.` in the name).
 */
import type { StatusDocument } from '../../src/usecases/status.js';

export function healthyStatus(overrides: Partial<StatusDocument> = {}): StatusDocument {
  return {
    ready: true,
    known: true,
    cluster: {
      name: 'c',
      region: 'us-west-2',
      status: 'ACTIVE',
      managed: true,
      version: '1.34',
      nodeGroups: [],
    },
    addons: [],
    identities: [],
    buckets: [],
    ci: null,
    compute: { mode: 'nodegroups', nodePools: [] },
    reconciler: { kind: 'flux', installed: true, ready: true, controllers: [] },
    sync: { inSync: true, failing: [] },
    layers: [],
    imageAutomation: [],
    ecrRepositories: [],
    simulated: [],
    problems: [],
    ...overrides,
  };
}
