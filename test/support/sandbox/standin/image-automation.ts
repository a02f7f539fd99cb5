/**
 * The stand-in for image-automation-controller (ImageUpdateAutomation, image.toolkit.fluxcd.io/v1,
 * strategy Setters): clones the branch of its GitRepository with real git, rewrites the values
 * marked with a setter comment (`# {"$imagepolicy": "<ns>:<policy>"}` for the whole image,
 * `...:tag` or `...:name` for a part) under update.path from each ImagePolicy's latestRef, and
 * commits and pushes as the author the spec names. Like the real controller it needs the
 * GitRepository's secretRef Secret (its write credential) and sends it with the push; the
 * sandbox's Git server checks it only when started with a token. Only the YAML lines carrying a
 * marker change; the rest of each file is kept byte for byte.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { simpleGit } from 'simple-git';
import { type Api, at, now, type Obj, refOf } from './api.js';
import { condition, readyOf } from './conditions.js';
import { IMAGE_API } from './image-reflector.js';

const MARKER = /^(\s*(?:-\s+)?[^#\n]*?:\s*)(\S+)(\s*#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}\s*)$/;

export async function reconcileImageUpdates(api: Api, log: (l: string) => void): Promise<void> {
  for (const auto of await api.list(IMAGE_API, 'ImageUpdateAutomation')) {
    await update(api, auto, log).catch(async (e: unknown) => {
      const message = ((e as Error).message.split('\n')[0] ?? '').replace(/\/\/[^@/]*@/g, '//');
      if (readyOf(auto)?.message === message) return;
      log(`ImageUpdateAutomation ${auto.metadata.namespace}/${auto.metadata.name}: ${message}`);
      await api.patchStatus(refOf(auto), {
        conditions: [
          condition('Ready', 'False', 'ReconciliationFailed', message, auto.metadata.generation ?? 1),
        ],
      });
    });
  }
}

async function update(api: Api, auto: Obj, log: (l: string) => void): Promise<void> {
  if (at(auto, 'spec', 'suspend') === true) return;
  const ns = auto.metadata.namespace ?? 'default';
  const source = String(at(auto, 'spec', 'sourceRef', 'name') ?? '');
  const repo = await api.get({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    namespace: ns,
    name: source,
  });
  if (!repo) throw new Error(`GitRepository ${ns}/${source} not found`);
  const secretName = at(repo, 'spec', 'secretRef', 'name');
  if (typeof secretName !== 'string')
    throw new Error(`GitRepository ${ns}/${source} has no secretRef: pushing needs a write credential`);
  const secret = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: secretName });
  if (!secret)
    throw new Error(`failed to get secret '${ns}/${secretName}': secrets "${secretName}" not found`);
  const data = (at(secret, 'data') ?? {}) as Record<string, string>;
  const decode = (k: string) => (data[k] ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
  const password = decode('password');
  if (!password)
    throw new Error(
      `sandbox: Secret ${ns}/${secretName} holds no HTTPS username and password (SSH is not stood in)`,
    );
  const branch = String(
    at(auto, 'spec', 'git', 'checkout', 'ref', 'branch') ?? at(repo, 'spec', 'ref', 'branch') ?? 'main',
  );
  const pushBranch = String(at(auto, 'spec', 'git', 'push', 'branch') ?? branch);
  const policies = new Map<string, { name: string; tag: string }>();
  for (const p of await api.list(IMAGE_API, 'ImagePolicy')) {
    const ref = at(p, 'status', 'latestRef');
    if (typeof at(ref, 'name') === 'string' && typeof at(ref, 'tag') === 'string')
      policies.set(`${p.metadata.namespace}:${p.metadata.name}`, {
        name: String(at(ref, 'name')),
        tag: String(at(ref, 'tag')),
      });
  }
  const dir = await mkdtemp(join(tmpdir(), 'standin-image-automation-'));
  try {
    const auth = `Authorization: Basic ${Buffer.from(`${decode('username') ?? 'git'}:${password}`).toString('base64')}`;
    const git = simpleGit(dir).env({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GIT_TERMINAL_PROMPT: '0',
    });
    await git.raw([
      '-c',
      `http.extraHeader=${auth}`,
      'clone',
      '--quiet',
      '--branch',
      branch,
      String(at(repo, 'spec', 'url')),
      '.',
    ]);
    const root = join(dir, String(at(auto, 'spec', 'update', 'path') ?? './'));
    const changes: string[] = [];
    for (const file of await yamlFiles(root)) {
      const text = await readFile(file, 'utf8');
      const out = text
        .split('\n')
        .map((line) => {
          const m = MARKER.exec(line);
          if (!m) return line;
          const [ref, part] = splitMarker(m[4]!);
          const latest = policies.get(ref);
          if (!latest) return line;
          const value =
            part === 'tag' ? latest.tag : part === 'name' ? latest.name : `${latest.name}:${latest.tag}`;
          if (value === m[2]) return line;
          changes.push(`${relative(dir, file)}: ${m[2]} -> ${value}`);
          return `${m[1]}${value}${m[3]}`;
        })
        .join('\n');
      if (out !== text) await writeFile(file, out);
    }
    const generation = auto.metadata.generation ?? 1;
    if (changes.length === 0) {
      if (readyOf(auto)?.status !== 'True')
        await api.patchStatus(refOf(auto), {
          observedGeneration: generation,
          lastAutomationRunTime: now(),
          conditions: [condition('Ready', 'True', 'Succeeded', 'repository up-to-date', generation)],
        });
      return;
    }
    const author = at(auto, 'spec', 'git', 'commit', 'author');
    await git
      .addConfig('user.name', String(at(author, 'name') ?? 'fluxcdbot'))
      .addConfig('user.email', String(at(author, 'email')));
    await git.add('.');
    await git.commit(`image automation: ${changes.join('; ')}`);
    await git.raw([
      '-c',
      `http.extraHeader=${auth}`,
      'push',
      '--quiet',
      'origin',
      `HEAD:refs/heads/${pushBranch}`,
    ]);
    const sha = (await git.revparse(['HEAD'])).trim();
    await api.patchStatus(refOf(auto), {
      observedGeneration: generation,
      lastAutomationRunTime: now(),
      lastPushCommit: sha,
      lastPushTime: now(),
      conditions: [
        condition(
          'Ready',
          'True',
          'Succeeded',
          `pushed commit '${sha.slice(0, 7)}' to branch '${pushBranch}'`,
          generation,
        ),
      ],
    });
    log(
      `ImageUpdateAutomation ${ns}/${auto.metadata.name}: pushed ${sha.slice(0, 7)} (${changes.join('; ')})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `ns:name` for the whole image, `ns:name:tag` / `ns:name:name` for a part. */
function splitMarker(marker: string): [string, string | undefined] {
  const parts = marker.split(':');
  return parts.length > 2 ? [`${parts[0]}:${parts[1]}`, parts[2]] : [marker, undefined];
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}
