/**
 * Flux v2.9.3's components as the local kube-apiserver 1.20 can store them. Its CRDs carry
 * `x-kubernetes-validations` (CEL rules, Kubernetes 1.23+), a field 1.20's typed schema does not
 * know, so a server-side apply of 8 of the 14 CRDs fails. The derivative drops those keys and
 * nothing else (the rest of the file is kept byte for byte), and says so in a header that names
 * the source file's sha256. The rules it drops are checks the 1.20 apiserver could not run
 * anyway; everything else about the CRDs (structural schemas, served versions) is Flux's own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FIXTURES_DIR, FLUX_293_FIXTURE_DIR } from '../kube/fixtures.js';

export const FLUX_293_SOURCE_SHA256 = '4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365';
const CEL_KEY = 'x-kubernetes-validations';
/** The CLI's NOT_A_RELEASE_ANNOTATION (src/integrations/kube/simulated.ts): what it shows instead of a version. */
export const NOT_A_RELEASE = 'sandbox.gitops.dev/not-a-release';
/** As test/support/kube/fixtures/flux-mini.yaml's Namespace says it. */
export const MINI_BUNDLE_LABEL =
  "minimal stand-in bundle, not Flux (the sandbox's 5 permissive CRDs and 2 controllers)";
export const FLUX_293_DERIVATIVE_LABEL =
  "Flux v2.9.3 without the CEL rules kube-apiserver 1.20 cannot store (the sandbox's derivative, not a Flux release)";

/**
 * Adds the not-a-release annotation to the flux-system Namespace (the first document whose
 * `kind: Namespace` is followed by `metadata:`), so the CLI and status say what the components are.
 */
export function withNotARelease(text: string, what: string): string {
  const m = /^kind: Namespace\nmetadata:\n/m.exec(text);
  if (!m) throw new Error('no Namespace document to annotate');
  const at = m.index + m[0].length;
  return `${text.slice(0, at)}  annotations:\n    ${NOT_A_RELEASE}: ${JSON.stringify(what)}\n${text.slice(at)}`;
}

export interface SandboxFluxBundle {
  /** The X.Y.Z the release mirror publishes it under (the CLI accepts nothing else). */
  version: string;
  text: string;
  /** One line saying what this bundle is, for logs, the demo and the env file. */
  description: string;
  /** Real Flux components (a derivative of them) or the project's minimal stand-in bundle. */
  kind: 'flux-derivative' | 'mini';
}

/** Removes every `x-kubernetes-validations` key with its value; the rest stays byte for byte. */
export function withoutCelValidations(text: string): { text: string; removed: number } {
  const lines = text.split('\n');
  const out: string[] = [];
  let removed = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)x-kubernetes-validations:\s*$/.exec(lines[i]!);
    if (!m) {
      out.push(lines[i]!);
      continue;
    }
    removed++;
    const indent = m[1]!.length;
    // The value is a block list: deeper lines, or `- ` items at the key's own indentation.
    while (i + 1 < lines.length) {
      const next = lines[i + 1]!;
      const nextIndent = next.length - next.trimStart().length;
      const belongs =
        next.trim() === '' ||
        nextIndent > indent ||
        (nextIndent === indent && next.trimStart().startsWith('- '));
      if (!belongs) break;
      i++;
    }
  }
  const result = out.join('\n');
  if (containsKey(result, CEL_KEY)) throw new Error(`${CEL_KEY} left after removal (not a block list?)`);
  return { text: result, removed };
}

function containsKey(text: string, key: string): boolean {
  const walk = (v: unknown): boolean =>
    Array.isArray(v)
      ? v.some(walk)
      : v !== null && typeof v === 'object'
        ? Object.entries(v).some(([k, x]) => k === key || walk(x))
        : false;
  return parseAllDocuments(text).some((d) => walk(d.toJS()));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The 2.9.3 derivative, or undefined when ../shared/fixtures/flux-v2.9.3 is not there. */
export function flux293Derivative(): SandboxFluxBundle | undefined {
  const file = join(FLUX_293_FIXTURE_DIR, 'gotk-components.yaml');
  if (!existsSync(file)) return undefined;
  const source = readFileSync(file, 'utf8');
  const sourceSha = sha256(source);
  if (sourceSha !== FLUX_293_SOURCE_SHA256) {
    throw new Error(`${file} has sha256 ${sourceSha}, expected ${FLUX_293_SOURCE_SHA256}`);
  }
  const { text, removed } = withoutCelValidations(source);
  const description =
    `Flux v2.9.3 components without their ${removed} x-kubernetes-validations keys ` +
    `(kube-apiserver 1.20 cannot store them; derived from gotk-components.yaml sha256 ${sourceSha})`;
  const header = [
    '# gitops sandbox: a derivative of Flux v2.9.3 gotk-components.yaml',
    `# (sha256 ${sourceSha}), with its ${removed} x-kubernetes-validations keys removed`,
    '# because kube-apiserver 1.20 cannot store them, and the flux-system Namespace annotated',
    `# ${NOT_A_RELEASE} so that gitops shows what this is. Not a Flux release file.`,
    '',
  ].join('\n');
  return {
    version: '2.9.3',
    text: header + withNotARelease(text, FLUX_293_DERIVATIVE_LABEL),
    description,
    kind: 'flux-derivative',
  };
}

/**
 * The project's minimal Flux-shaped bundle (not Flux). It is published under 0.0.1, a number no
 * Flux release has, because the CLI takes only X.Y.Z versions; its Namespace's not-a-release
 * annotation (in the fixture) is what the CLI shows instead of that number.
 */
export function miniBundle(): SandboxFluxBundle {
  return {
    version: '0.0.1',
    text: readFileSync(join(FIXTURES_DIR, 'flux-mini.yaml'), 'utf8'),
    description:
      'a minimal Flux-shaped stand-in bundle (5 permissive CRDs, 2 controllers; not Flux), because ' +
      `${FLUX_293_FIXTURE_DIR} is not here`,
    kind: 'mini',
  };
}

export function sandboxFluxBundle(): SandboxFluxBundle {
  return flux293Derivative() ?? miniBundle();
}
