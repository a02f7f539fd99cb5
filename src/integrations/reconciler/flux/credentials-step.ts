/**
 * The step that gives Flux read access to the fleet repo. A generated deploy key is generated
 * once: when the Secret already holds one, it is kept (and its public half reported again),
 * so re-running never rotates a key the Git host already trusts. Secret values never reach
 * events or error messages.
 */
import { GitopsError, systemError } from '../../../primitives/errors.js';
import type { Observation, Step, StepContext } from '../../../primitives/plan.js';
import { applyObjects } from '../../kube/apply.js';
import { type ClientSource, clientFor } from '../../kube/apply-step.js';
import {
  decodeSecretData,
  type GitCredentials,
  gitCredentialsSecret,
  type SecretData,
  secretDataFor,
} from './credentials.js';
import { generateDeployKey, publicKeyOf } from './deploy-key.js';
import { FLUX_NAMESPACE, type FluxSyncSpec } from './sync.js';
import type { CredentialsOutput } from '../reconciler.js';

export interface CredentialsStepOptions {
  id: string;
  dependsOn: readonly string[];
  client: ClientSource;
  sync: FluxSyncSpec;
  credentials: GitCredentials;
}

export function credentialsStep(options: CredentialsStepOptions): Step<CredentialsOutput> {
  const { credentials } = options;
  const name = options.sync.secretName ?? options.sync.name ?? FLUX_NAMESPACE;
  const namespace = options.sync.namespace ?? FLUX_NAMESPACE;
  const ref = { apiVersion: 'v1', kind: 'Secret', name, namespace };

  const readLive = async (ctx: StepContext): Promise<SecretData | undefined> =>
    decodeSecretData(await (await clientFor(options.client, ctx)).get(ref, ctx.signal));

  return {
    id: options.id,
    title: 'Give Flux read access to the fleet repo',
    dependsOn: options.dependsOn,
    async observe(ctx): Promise<Observation<CredentialsOutput>> {
      if (credentials.type === 'none') return { inSync: true, summary: 'public repository: no credentials' };
      const live = await readLive(ctx);
      if (credentials.type === 'ssh-generate') {
        const key = live?.identity;
        if (key && live.known_hosts === credentials.knownHosts) {
          const publicKey = live['identity.pub'] ?? publicKeyOf(key);
          return {
            inSync: true,
            summary: `Secret ${namespace}/${name} holds a deploy key`,
            output: { secretName: name, ...(publicKey ? { publicKey } : {}) },
          };
        }
        return {
          inSync: false,
          summary: key ? `update known_hosts in ${namespace}/${name}` : 'generate an ed25519 deploy key',
        };
      }
      const wanted = secretDataFor(credentials);
      const same = live !== undefined && sameData(live, wanted);
      const output: CredentialsOutput = { secretName: name };
      if (credentials.type === 'ssh')
        output.publicKey = credentials.publicKey ?? publicKeyOf(credentials.privateKey) ?? '';
      return same
        ? { inSync: true, summary: `Secret ${namespace}/${name} is up to date`, output }
        : { inSync: false, summary: `${live ? 'update' : 'create'} Secret ${namespace}/${name}` };
    },
    async apply(ctx) {
      if (credentials.type === 'none') return { result: 'unchanged' };
      const client = await clientFor(options.client, ctx);
      const live = await readLive(ctx);
      let data: SecretData;
      const output: CredentialsOutput = { secretName: name };
      if (credentials.type === 'ssh-generate') {
        const existing = live?.identity;
        if (existing) {
          const publicKey = live['identity.pub'] ?? publicKeyOf(existing) ?? '';
          data = { identity: existing, 'identity.pub': publicKey, known_hosts: credentials.knownHosts };
          output.publicKey = publicKey;
        } else {
          const key = generateDeployKey(credentials.comment ?? `gitops-flux-${namespace}`);
          data = {
            identity: key.privateKey,
            'identity.pub': key.publicKey,
            known_hosts: credentials.knownHosts,
          };
          output.publicKey = key.publicKey;
          output.fingerprint = key.fingerprint;
          ctx.info(
            'GITOPS_DEPLOY_KEY',
            `deploy key for the fleet repo (grant it read access): ${key.publicKey} (${key.fingerprint})`,
          );
        }
      } else {
        data = secretDataFor(credentials);
        if (credentials.type === 'ssh') {
          const publicKey = credentials.publicKey ?? publicKeyOf(credentials.privateKey);
          if (publicKey) output.publicKey = publicKey;
        }
      }
      try {
        const report = await applyObjects(client, [gitCredentialsSecret(name, namespace, data)], {
          sink: ctx.sink,
          stepId: options.id,
          signal: ctx.signal,
        });
        return {
          result: report.created > 0 ? 'created' : report.configured > 0 ? 'updated' : 'unchanged',
          summary: `Secret ${namespace}/${name} (${describe(credentials)})`,
          output,
        };
      } catch (e) {
        throw redacted(e, data);
      }
    },
  };
}

function sameData(live: SecretData, wanted: SecretData): boolean {
  return Object.entries(wanted).every(([k, v]) => live[k] === v);
}

function describe(credentials: GitCredentials): string {
  switch (credentials.type) {
    case 'ssh':
    case 'ssh-generate':
      return 'SSH deploy key';
    case 'basic':
      return 'HTTPS username and password';
    case 'bearer':
      return 'HTTPS bearer token';
    case 'none':
      return 'none';
  }
}

/** An error whose text contains a secret value (raw or base64) is replaced by one that does not. */
export function redacted(e: unknown, data: SecretData): unknown {
  const text =
    e instanceof Error ? `${e.message} ${e instanceof GitopsError ? (e.hint ?? '') : ''}` : String(e);
  const leaks = Object.entries(data).some(([k, v]) => {
    if (k === 'identity.pub' || k === 'username' || k === 'known_hosts' || v.length < 8) return false;
    const needles = [v, Buffer.from(v).toString('base64'), ...v.split('\n').filter((l) => l.length >= 16)];
    return needles.some((n) => text.includes(n));
  });
  if (!leaks) return e;
  return systemError(
    'GITOPS_KUBE',
    'the API server refused the Git credentials Secret (details withheld: they contain the secret)',
  );
}
