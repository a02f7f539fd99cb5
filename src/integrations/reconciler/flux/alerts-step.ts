/**
 * The steps that store where alerts go, as Secrets in flux-system that Git only names:
 *   gitops-alerts          the keys Flux's Provider reads (`address`, and `token` for generic-hmac);
 *   gitops-flagger-alerts  the chart values that point Flagger's notifier at the same place
 *                          (flagger-alerts.ts), read by the Flagger HelmRelease's valuesFrom.
 * The values come from the environment and go nowhere else: not into Git, events, summaries or
 * error messages. A cluster whose spec no longer asks for alerts (or whose provider Flagger cannot
 * send to) loses the Secret.
 */
import { systemError } from '../../../primitives/errors.js';
import type { Step, StepContext } from '../../../primitives/plan.js';
import type { AlertsDestination } from '../../../spec/alerts.js';
import { applyObjects } from '../../kube/apply.js';
import { type ClientSource, clientFor } from '../../kube/apply-step.js';
import type { KubeObject } from '../../kube/object.js';
import { ALERTS_NAME, alertsSecret } from './alerts.js';
import { decodeSecretData } from './credentials.js';
import {
  FLAGGER_ALERTS_NAME,
  FLAGGER_VALUES_KEY,
  flaggerAlerts,
  flaggerAlertsSecret,
  flaggerValuesText,
} from './flagger-alerts.js';
import { FLUX_NAMESPACE } from './sync.js';

interface StepOptions {
  id: string;
  dependsOn: readonly string[];
  client: ClientSource;
  alerts: AlertsDestination | undefined;
}

export function alertsSecretStep(options: StepOptions): Step {
  const { alerts } = options;
  return secretStep({
    ...options,
    title: 'Store where alerts go',
    name: ALERTS_NAME,
    wanted: alerts
      ? {
          data: { address: alerts.address, ...(alerts.token ? { token: alerts.token } : {}) },
          object: (data) => alertsSecret(data),
          what: alerts.provider,
        }
      : undefined,
    off: 'alerts are off',
  });
}

/** Flagger's chart values for the same destination; none when Flagger cannot send to it. */
export function flaggerAlertsSecretStep(options: StepOptions): Step {
  const flagger = options.alerts ? flaggerAlerts(options.alerts) : undefined;
  return secretStep({
    ...options,
    title: "Point Flagger's alerts at the same place",
    name: FLAGGER_ALERTS_NAME,
    wanted: flagger?.sent
      ? {
          data: { [FLAGGER_VALUES_KEY]: flaggerValuesText(flagger.values) },
          object: () => flaggerAlertsSecret(flagger.values),
          what: `${options.alerts?.provider} via Flagger's ${flagger.notifier} notifier`,
        }
      : undefined,
    off: flagger && !flagger.sent ? `Flagger cannot send to ${options.alerts?.provider}` : 'alerts are off',
  });
}

interface Wanted {
  data: Record<string, string>;
  object: (data: Record<string, string>) => KubeObject;
  /** Said in summaries: the provider, never the address. */
  what: string;
}

function secretStep(
  options: StepOptions & { title: string; name: string; wanted: Wanted | undefined; off: string },
): Step {
  const { wanted } = options;
  const ref = { apiVersion: 'v1', kind: 'Secret', name: options.name, namespace: FLUX_NAMESPACE };
  const where = `Secret ${FLUX_NAMESPACE}/${options.name}`;
  const live = async (ctx: StepContext) => (await clientFor(options.client, ctx)).get(ref, ctx.signal);
  const same = (data: Record<string, string> | undefined) =>
    wanted !== undefined &&
    data !== undefined &&
    Object.keys(data).length === Object.keys(wanted.data).length &&
    Object.entries(wanted.data).every(([k, v]) => data[k] === v);
  return {
    id: options.id,
    title: options.title,
    dependsOn: options.dependsOn,
    async observe(ctx) {
      const secret = await live(ctx);
      if (!wanted)
        return secret
          ? { inSync: false, summary: `delete ${where} (${options.off})` }
          : { inSync: true, summary: options.off };
      return same(decodeSecretData(secret))
        ? { inSync: true, summary: `${where} is up to date (${wanted.what})` }
        : { inSync: false, summary: `${secret ? 'update' : 'create'} ${where} (${wanted.what})` };
    },
    async apply(ctx) {
      const client = await clientFor(options.client, ctx);
      if (!wanted) {
        if (!(await client.get(ref, ctx.signal))) return { result: 'unchanged' };
        await client.delete(ref);
        return { result: 'deleted', summary: `${where} deleted (${options.off})` };
      }
      try {
        const report = await applyObjects(client, [wanted.object(wanted.data)], {
          sink: ctx.sink,
          stepId: options.id,
          signal: ctx.signal,
        });
        return {
          result: report.created > 0 ? 'created' : report.configured > 0 ? 'updated' : 'unchanged',
          summary: `${where} (${wanted.what})`,
        };
      } catch {
        // The API server's message may quote the object, and with it the address.
        throw systemError(
          'GITOPS_KUBE',
          `the API server refused ${where} (details withheld: they contain the address)`,
        );
      }
    },
  };
}
