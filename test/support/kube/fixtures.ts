/** The project's own small manifest bundle (test/support/kube/fixtures), made unique per test. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './testenv.js';

export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'support', 'kube', 'fixtures');

/** The real Flux v2.1.2 distribution, outside the repository (CI: ../shared/fixtures/flux). */
export const FLUX_FIXTURE_DIR =
  process.env.GITOPS_FLUX_FIXTURE_DIR ?? join(REPO_ROOT, '..', 'shared', 'fixtures', 'flux');

/** Flux v2.9.3's real components, outside the repository (../shared/fixtures/flux-v2.9.3). */
export const FLUX_293_FIXTURE_DIR =
  process.env.GITOPS_FLUX_293_FIXTURE_DIR ?? join(REPO_ROOT, '..', 'shared', 'fixtures', 'flux-v2.9.3');

/**
 * widgets.yaml with its namespace and API group made unique: the group is a prefix of the
 * namespace under gitops-test.example.com, so `apiVersion: gitops-test.example.com/v1` becomes
 * `<ns>.gitops-test.example.com/v1` as well.
 */
export function widgetsBundle(ns: string): { text: string; group: string } {
  const group = `${ns}.gitops-test.example.com`;
  const text = readFileSync(join(FIXTURES_DIR, 'widgets.yaml'), 'utf8')
    .replaceAll('__GROUP__', group)
    .replaceAll('apiVersion: gitops-test.example.com/', `apiVersion: ${group}/`)
    .replaceAll('__NS__', ns);
  return { text, group };
}
