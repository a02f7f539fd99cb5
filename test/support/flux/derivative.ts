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
    '# because kube-apiserver 1.20 cannot store them. Not a Flux release file.',
    '',
  ].join('\n');
  return { version: '2.9.3', text: header + text, description, kind: 'flux-derivative' };
}

/**
 * The project's minimal Flux-shaped bundle (not Flux). It is published under 0.0.1, a number no
 * Flux release has, because the CLI takes only X.Y.Z versions.
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
