/**
 * Reading a repository checkout for the builder, and only the checkout: every path is resolved
 * with symlinks followed and refused when it lands outside (Flux builds inside the artifact it
 * fetched and cannot see anything else either), and every file is read with a size cap.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { userError } from '../../primitives/errors.js';
import { isInside, readInside } from '../../primitives/safe-path.js';

/** kustomize looks for these names, in this order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** A kustomization or a patch is hand-written; a manifest may be a vendored install bundle. */
export const MAX_KUSTOMIZE_BYTES = 1024 * 1024;
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export class Checkout {
  private constructor(readonly root: string) {}

  static async open(dir: string): Promise<Checkout> {
    return new Checkout(await realpath(dir));
  }

  /** A path relative to the checkout, for messages (`.` for the root). */
  rel(p: string): string {
    return relative(this.root, p).split(sep).join('/') || '.';
  }

  /** Resolves `p` (absolute) with symlinks followed; refuses it outside the checkout. */
  async inside(p: string, label: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      throw userError('GITOPS_BAD_CONFIG', `${label}: not found in the repository`);
    }
    if (!isInside(this.root, real))
      throw userError('GITOPS_BAD_CONFIG', `${label}: points outside the repository`);
    return real;
  }

  async isDirectory(real: string): Promise<boolean> {
    return (await stat(real)).isDirectory();
  }

  async read(real: string, label: string, maxBytes: number): Promise<string> {
    return readInside(this.root, this.rel(real), label, maxBytes);
  }

  async kustomizationFile(dir: string): Promise<string | undefined> {
    for (const name of KUSTOMIZATION_FILES) {
      const p = join(dir, name);
      if (
        await stat(p).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        return this.inside(p, this.rel(p));
    }
    return undefined;
  }

  /**
   * What Flux lists in the kustomization it generates for a folder that has none: every .yaml
   * and .yml file, recursively, in path order, except that a sub-folder holding a kustomization
   * is listed as a folder and not descended into. Hidden entries are skipped (they are not part
   * of the artifact Flux's source-controller builds).
   */
  async generatedResources(dir: string): Promise<{ path: string; isDir: boolean }[]> {
    const out: { path: string; isDir: boolean }[] = [];
    const walk = async (d: string): Promise<void> => {
      const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const p = await this.inside(join(d, e.name), this.rel(join(d, e.name)));
        if (await this.isDirectory(p)) {
          if ((await this.kustomizationFile(p)) !== undefined) out.push({ path: p, isDir: true });
          else await walk(p);
        } else if (/\.ya?ml$/.test(e.name)) {
          out.push({ path: p, isDir: false });
        }
      }
    };
    await walk(dir);
    return out;
  }
}
