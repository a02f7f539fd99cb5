/**
 * Issue #13: status printed the sandbox's components by their namespace's version label
 * (`sandbox-mini-not-flux`, or `v2.9.3` for a derivative without the CEL rules) as a Flux version.
 * Components that say they are not a release are shown by what they say; a release by its version.
 */
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/render/status.js';
import { createStyle } from '../../src/io/style.js';
import { healthyStatus } from './status-doc.js';
import type { StatusDocument } from '../../src/usecases/status.js';

const doc = (reconciler: Partial<StatusDocument['reconciler']>): StatusDocument =>
  healthyStatus({
    reconciler: {
      kind: 'flux',
      installed: true,
      ready: true,
      controllers: [{ name: 'source-controller', ready: true, reason: 'Available' }],
      ...reconciler,
    },
  });

const fluxLine = (d: StatusDocument) =>
  renderStatus(d, createStyle(false))
    .split('\n')
    .find((l) => / flux /.test(l))!
    .replace(/^\S+\s+/, '');

describe('the flux line of status', () => {
  it('shows a release by its version', () => {
    expect(fluxLine(doc({ version: 'v2.9.6' }))).toBe('flux        v2.9.6 1/1 controllers ready');
  });

  it('shows components that say they are not a release by what they say, not by their version label', () => {
    const line = fluxLine(
      doc({
        version: 'v2.9.3',
        notARelease: "Flux v2.9.3 without the CEL rules (the sandbox's derivative, not a Flux release)",
      }),
    );
    expect(line).toBe(
      "flux        Flux v2.9.3 without the CEL rules (the sandbox's derivative, not a Flux release) 1/1 controllers ready",
    );
  });
});
