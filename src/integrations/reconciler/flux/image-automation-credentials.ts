/**
 * Image automation's Git write credential: a credential of its own, opted into, never the token
 * gitops pushes with nor the sync's read-only one. From the environment:
 *   https  GITOPS_IMAGE_AUTOMATION_TOKEN (and GITOPS_IMAGE_AUTOMATION_USERNAME, default `git`):
 *          a token limited to writing the fleet repository;
 *   ssh    GITOPS_IMAGE_AUTOMATION_SSH_KEY_FILE: the private half of a deploy key the Git host
 *          allows to write to the fleet repository only (known_hosts as for the sync).
 * Every bootstrap with image automation needs one (exit 2 before any change without): the Secret
 * then always holds what the run was given, so giving a new one rotates it.
 */
import { readFile } from 'node:fs/promises';
import { userError } from '../../../primitives/errors.js';
import type { Step } from '../../../primitives/plan.js';
import { registerSecret } from '../../../primitives/redact.js';
import { checkGitUrl } from '../../git/url.js';
import { applyObjects } from '../../kube/apply.js';
import { type ClientSource, clientFor } from '../../kube/apply-step.js';
import { decodeSecretData, gitCredentialsSecret, type SecretData } from './credentials.js';
import { redacted } from './credentials-step.js';
import { IMAGE_AUTOMATION_SECRET } from './image-automation.js';
import { FLUX_NAMESPACE } from './sync.js';

export const IMAGE_AUTOMATION_ENV = {
  token: 'GITOPS_IMAGE_AUTOMATION_TOKEN',
  username: 'GITOPS_IMAGE_AUTOMATION_USERNAME',
  sshKeyFile: 'GITOPS_IMAGE_AUTOMATION_SSH_KEY_FILE',
} as const;

/** The Secret's data, read at preflight: none given or a bad file is exit 2. */
export async function imageAutomationCredentials(
  url: string,
  env: NodeJS.ProcessEnv,
  knownHosts: () => Promise<string>,
): Promise<SecretData> {
  const transport = checkGitUrl(url, '--git-url');
  const ssh = transport === 'ssh' || transport === 'scp';
  const token = env[IMAGE_AUTOMATION_ENV.token];
  const keyFile = env[IMAGE_AUTOMATION_ENV.sshKeyFile];
  if (ssh && token)
    throw userError(
      'GITOPS_BAD_INPUT',
      `${IMAGE_AUTOMATION_ENV.token}: the fleet repository is reached over SSH`,
      {
        hint: `give a write deploy key with ${IMAGE_AUTOMATION_ENV.sshKeyFile}`,
      },
    );
  if (!ssh && keyFile)
    throw userError(
      'GITOPS_BAD_INPUT',
      `${IMAGE_AUTOMATION_ENV.sshKeyFile}: the fleet repository is reached over HTTPS`,
      {
        hint: `give a token that may push to it with ${IMAGE_AUTOMATION_ENV.token}`,
      },
    );
  if (token) {
    registerSecret(token);
    return { username: env[IMAGE_AUTOMATION_ENV.username] || 'git', password: token };
  }
  if (keyFile) {
    const identity = await readFile(keyFile, 'utf8').catch(() => undefined);
    if (!identity?.includes('PRIVATE KEY'))
      throw userError(
        'GITOPS_BAD_INPUT',
        `${IMAGE_AUTOMATION_ENV.sshKeyFile}: ${keyFile} is not a readable private key`,
      );
    registerSecret(identity);
    return { identity, known_hosts: await knownHosts() };
  }
  throw userError(
    'GITOPS_BAD_INPUT',
    "--image-automation: no Git write credential for Flux's image automation",
    {
      hint: ssh
        ? `set ${IMAGE_AUTOMATION_ENV.sshKeyFile} to the private half of a deploy key allowed to write to the fleet repository`
        : `set ${IMAGE_AUTOMATION_ENV.token} to a token that may push to the fleet repository only (never the one gitops pushes with)`,
    },
  );
}

export function imageAutomationCredentialsStep(options: {
  id: string;
  dependsOn: readonly string[];
  client: ClientSource;
  data: SecretData | undefined;
}): Step {
  const ref = { apiVersion: 'v1', kind: 'Secret', name: IMAGE_AUTOMATION_SECRET, namespace: FLUX_NAMESPACE };
  const where = `${FLUX_NAMESPACE}/${IMAGE_AUTOMATION_SECRET}`;
  const wanted = options.data;
  return {
    id: options.id,
    title: 'Give image automation write access to the fleet repo',
    dependsOn: options.dependsOn,
    async observe(ctx) {
      const live = decodeSecretData(await (await clientFor(options.client, ctx)).get(ref, ctx.signal));
      if (wanted === undefined) {
        if (live === undefined)
          return { inSync: false, summary: `no Secret ${where} and no credential given` };
        return { inSync: true, summary: `Secret ${where} kept (no new credential given)` };
      }
      const same = live !== undefined && Object.entries(wanted).every(([k, v]) => live[k] === v);
      return same
        ? { inSync: true, summary: `Secret ${where} is up to date` }
        : { inSync: false, summary: `${live ? 'update' : 'create'} Secret ${where}` };
    },
    async apply(ctx) {
      if (wanted === undefined) {
        throw userError('GITOPS_BAD_INPUT', 'imageAutomation: no Git write credential for Flux', {
          hint: `set ${IMAGE_AUTOMATION_ENV.token} (HTTPS) or ${IMAGE_AUTOMATION_ENV.sshKeyFile} (SSH write deploy key)`,
        });
      }
      const client = await clientFor(options.client, ctx);
      try {
        const report = await applyObjects(
          client,
          [gitCredentialsSecret(IMAGE_AUTOMATION_SECRET, FLUX_NAMESPACE, wanted)],
          {
            sink: ctx.sink,
            stepId: options.id,
            signal: ctx.signal,
          },
        );
        return {
          result: report.created > 0 ? 'created' : report.configured > 0 ? 'updated' : 'unchanged',
          summary: `Secret ${where} (${wanted['identity'] ? 'SSH write deploy key' : 'HTTPS token'})`,
        };
      } catch (e) {
        throw redacted(e, wanted);
      }
    },
  };
}
