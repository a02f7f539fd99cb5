/**
 * The stand-in for source-controller's GitRepository: fetches the branch with real git (see
 * ../git-mirror.ts) and records the revision as Flux does (`<branch>@sha1:<commit>`), with the
 * checkout's folder as the artifact URL the kustomize stand-in reads. Suspended repositories and
 * ones a test pauses (annotation sandbox.gitops.dev/paused: "true") are left alone.
 */
import type { GitMirror } from '../git-mirror.js';
import { type Api, at, firstLine, now, type Obj, refOf } from './api.js';
import { condition } from './conditions.js';

export const PAUSED_ANNOTATION = 'sandbox.gitops.dev/paused';

export async function reconcileGitRepository(
  api: Api,
  git: GitMirror,
  repo: Obj,
  log: (l: string) => void,
): Promise<void> {
  if (repo.metadata.annotations?.[PAUSED_ANNOTATION] === 'true' || at(repo, 'spec', 'suspend') === true)
    return;
  const url = String(at(repo, 'spec', 'url') ?? '');
  const ref = at(repo, 'spec', 'ref');
  for (const unsupported of ['tag', 'semver', 'commit', 'name']) {
    if (at(ref, unsupported) !== undefined) {
      return await failed(
        api,
        repo,
        `sandbox: spec.ref.${unsupported} is not implemented by the stand-in`,
        log,
      );
    }
  }
  // source-controller reads the named Secret before every fetch; one that is missing fails the
  // source even when the repository would need no credentials.
  const secretName = at(repo, 'spec', 'secretRef', 'name');
  if (typeof secretName === 'string') {
    const namespace = repo.metadata.namespace ?? 'default';
    const secret = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
    if (!secret) {
      return await failed(
        api,
        repo,
        `failed to get secret '${namespace}/${secretName}': secrets "${secretName}" not found`,
        log,
        'AuthenticationFailed',
      );
    }
  }
  const branch = String(at(ref, 'branch') ?? 'master');
  const generation = repo.metadata.generation ?? 1;
  try {
    const co = await git.checkout(url, branch);
    if (
      at(repo, 'status', 'artifact', 'revision') === co.revision &&
      at(repo, 'status', 'observedGeneration') === generation
    )
      return;
    const message = `stored artifact for revision '${co.revision}'`;
    await api.patchStatus(refOf(repo), {
      observedGeneration: generation,
      artifact: {
        revision: co.revision,
        path: `gitrepository/${repo.metadata.namespace}/${repo.metadata.name}/${co.sha}.tar.gz`,
        url: `file://${co.dir}`,
        digest: co.digest,
        lastUpdateTime: now(),
      },
      conditions: [
        condition('Ready', 'True', 'Succeeded', message, generation),
        condition('ArtifactInStorage', 'True', 'Succeeded', message, generation),
      ],
    });
    log(`GitRepository ${repo.metadata.namespace}/${repo.metadata.name}: revision ${co.revision}`);
  } catch (e) {
    await failed(api, repo, firstLine((e as Error).message), log);
  }
}

async function failed(
  api: Api,
  repo: Obj,
  message: string,
  log: (l: string) => void,
  reason = 'GitOperationFailed',
): Promise<void> {
  const generation = repo.metadata.generation ?? 1;
  const ready = at(repo, 'status', 'conditions');
  if (Array.isArray(ready) && ready.some((c) => at(c, 'type') === 'Ready' && at(c, 'message') === message))
    return;
  log(`GitRepository ${repo.metadata.namespace}/${repo.metadata.name}: ${message}`);
  await api.patchStatus(refOf(repo), {
    conditions: [condition('Ready', 'False', reason, message, generation)],
  });
}
