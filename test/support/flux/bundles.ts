/** Which Flux components the integration tests install, depending on the fixtures present. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR, FLUX_293_FIXTURE_DIR, FLUX_FIXTURE_DIR } from '../kube/fixtures.js';
import { FLUX_293_DERIVATIVE_LABEL, flux293Derivative, MINI_BUNDLE_LABEL } from './derivative.js';

/** `notARelease`: what the bundle's flux-system Namespace says it is (absent for a Flux release). */
export type InstallBundle =
  | { file: string; label: string; notARelease?: string; crds: number; controllers: string[] }
  | { file: string; label: string; notARelease?: string; skip: string };

/**
 * The Flux components an install test applies, best first (2.9.3's derivative, 2.1.2, the mini
 * bundle), with what conformance means for each, or why there is none.
 */
export function installBundle(): InstallBundle {
  const derivative = flux293Derivative();
  if (derivative) {
    const file = join(mkdtempSync(join(tmpdir(), 'gitops-flux293-')), 'gotk-components.yaml');
    writeFileSync(file, derivative.text);
    return {
      file,
      label: `Flux v2.9.3 (${derivative.description})`,
      notARelease: FLUX_293_DERIVATIVE_LABEL,
      crds: 14,
      controllers: [
        'helm-controller',
        'image-automation-controller',
        'image-reflector-controller',
        'kustomize-controller',
        'notification-controller',
        'source-controller',
      ],
    };
  }
  const v212 = join(FLUX_FIXTURE_DIR, 'gotk-components.yaml');
  if (existsSync(v212)) {
    return {
      file: v212,
      label: `Flux v2.1.2 (${FLUX_293_FIXTURE_DIR} not found)`,
      crds: 10,
      controllers: [
        'helm-controller',
        'kustomize-controller',
        'notification-controller',
        'source-controller',
      ],
    };
  }
  return {
    file: join(FIXTURES_DIR, 'flux-mini.yaml'),
    label: 'the mini Flux bundle',
    notARelease: MINI_BUNDLE_LABEL,
    skip: `neither ${FLUX_293_FIXTURE_DIR} nor ${FLUX_FIXTURE_DIR} is here`,
  };
}
