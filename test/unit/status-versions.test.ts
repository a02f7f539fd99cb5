/**
 * `status --all` in text: each cluster's profile@version in its row, then the fleet's versions
 * side by side (the JSON `versions[]` is checked end to end in test/e2e/upgrade.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { renderStatusList } from '../../src/cli/render/status.js';
import { createStyle } from '../../src/io/style.js';
import { healthyStatus } from './status-doc.js';
import type { StatusDocument } from '../../src/usecases/status.js';
import type { FleetStatusDocument } from '../../src/usecases/status-all.js';

function doc(name: string, profile?: { name: string; version: string }): StatusDocument {
  const healthy = healthyStatus();
  return healthyStatus({ cluster: { ...healthy.cluster, name }, ...(profile ? { profile } : {}) });
}

describe('status --all text', () => {
  it("shows each cluster's profile version and the fleet's versions side by side", () => {
    const fleet: FleetStatusDocument = {
      ready: true,
      region: 'us-west-2',
      clusters: [
        doc('prod', { name: 'ml', version: '1.1.0' }),
        doc('staging', { name: 'ml', version: '1.2.0' }),
        doc('edge'),
      ],
      versions: [
        { profile: 'ml', version: '1.1.0', clusters: ['prod'] },
        { profile: 'ml', version: '1.2.0', clusters: ['staging'] },
      ],
    };
    const lines = renderStatusList(fleet, 'us-west-2', createStyle(false)).split('\n');
    expect(lines[0]).toMatch(/^\s*CLUSTER\s+STATUS\s+VERSION\s+PROFILE\s+FLUX\s+SYNC\s+READY$/);
    expect(lines.find((l) => l.trim().startsWith('staging'))).toMatch(
      /^\s*staging\s+ACTIVE\s+1\.34\s+ml@1\.2\.0\s/,
    );
    expect(lines.find((l) => l.trim().startsWith('edge'))).toMatch(/^\s*edge\s+ACTIVE\s+1\.34\s+-\s/);
    expect(lines.slice(-3)).toEqual(['Profile versions:', '  ml@1.1.0: 1 (prod)', '  ml@1.2.0: 1 (staging)']);
  });
});
