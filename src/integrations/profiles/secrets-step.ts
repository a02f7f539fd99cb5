/**
 * The Secrets a profile declares (`secrets:` in profile.yaml), created in the cluster with random
 * values before the reconciler starts the workloads that read them. They never reach Git, events
 * or errors. A Secret that exists keeps its values (the workloads already use them); a key it
 * lacks is added. Its namespace is created when missing: the layer that declares the namespace
 * runs later, and applies over it.
 */
import { randomBytes } from 'node:crypto';
import { systemError } from '../../primitives/errors.js';
import type { Step, StepContext } from '../../primitives/plan.js';
import { applyObjects } from '../kube/apply.js';
import { type ClientSource, clientFor } from '../kube/apply-step.js';
import type { KubeObject } from '../kube/object.js';
import type { ProfileSecret } from './model.js';

export const SECRETS_STEP_ID = 'cluster:secrets';

/** 32 random bytes, base64url: 43 characters, long enough for JupyterHub's admin password too. */
export function randomSecretValue(): string {
  return randomBytes(32).toString('base64url');
}

export function generatedSecretsStep(options: {
  client: ClientSource;
  secrets: readonly ProfileSecret[];
  dependsOn: readonly string[];
}): Step {
  const { secrets } = options;
  const names = secrets.map((s) => `${s.namespace}/${s.name}`).join(', ');
  /** Per Secret, the keys it lacks (all of them when it does not exist). */
  const missing = async (ctx: StepContext) => {
    const c = await clientFor(options.client, ctx);
    return Promise.all(
      secrets.map(async (s) => {
        const live = await c.get({ apiVersion: 'v1', kind: 'Secret', namespace: s.namespace, name: s.name });
        const data = (live?.['data'] ?? {}) as Record<string, unknown>;
        const kept: Record<string, string> = {};
        for (const k of s.keys) if (typeof data[k] === 'string') kept[k] = data[k];
        return { secret: s, kept, keys: s.keys.filter((k) => kept[k] === undefined) };
      }),
    );
  };
  return {
    id: SECRETS_STEP_ID,
    title: "Generate the profile's Secrets in the cluster",
    dependsOn: options.dependsOn,
    async observe(ctx) {
      if (secrets.length === 0) return { inSync: true, summary: 'the profile declares no Secrets' };
      const todo = (await missing(ctx)).filter((m) => m.keys.length > 0);
      if (todo.length === 0) return { inSync: true, summary: `Secrets ${names} exist` };
      return {
        inSync: false,
        summary: `generate ${todo.map((m) => `${m.secret.namespace}/${m.secret.name} (${m.keys.join(', ')})`).join(', ')}`,
      };
    },
    async apply(ctx) {
      const c = await clientFor(options.client, ctx);
      const todo = (await missing(ctx)).filter((m) => m.keys.length > 0);
      const objects: KubeObject[] = [];
      for (const ns of new Set(todo.map((m) => m.secret.namespace))) {
        if (!(await c.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }, ctx.signal)))
          objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      }
      for (const m of todo) objects.push(secretObject(m.secret, m.kept, m.keys));
      try {
        // The kept values are applied again: a server-side apply without them would drop them.
        await applyObjects(c, objects, { sink: ctx.sink, stepId: SECRETS_STEP_ID, signal: ctx.signal });
      } catch {
        throw systemError(
          'GITOPS_KUBE',
          `the API server refused the profile's Secrets ${names} (details withheld: they hold generated values)`,
        );
      }
      return {
        result: todo.length === 0 ? 'unchanged' : 'created',
        summary:
          todo.length === 0 ? `Secrets ${names} exist` : `generated ${todo.length} of ${secrets.length}`,
      };
    },
  };
}

function secretObject(s: ProfileSecret, kept: Record<string, string>, keys: readonly string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'gitops' },
    },
    type: 'Opaque',
    data: {
      ...kept,
      ...Object.fromEntries(keys.map((k) => [k, Buffer.from(randomSecretValue()).toString('base64')])),
    },
  };
}
