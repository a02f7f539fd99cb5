/**
 * The step that stores where alerts go as the Secret gitops-alerts in flux-system, in the keys
 * Flux's Provider reads (`address`, and `token` for generic-hmac). The values come from the
 * environment and go nowhere else: not into Git, events, summaries or error messages. A cluster
 * whose spec no longer asks for alerts loses the Secret (the Provider left Git with it).
 */
import { systemError } from '../../../primitives/errors.js';
import type { Step, StepContext } from '../../../primitives/plan.js';
import type { AlertsDestination } from '../../../spec/alerts.js';
import { applyObjects } from '../../kube/apply.js';
import { type ClientSource, clientFor } from '../../kube/apply-step.js';
import { ALERTS_NAME, alertsSecret } from './alerts.js';
import { decodeSecretData } from './credentials.js';
import { FLUX_NAMESPACE } from './sync.js';

const REF = { apiVersion: 'v1', kind: 'Secret', name: ALERTS_NAME, namespace: FLUX_NAMESPACE };

export function alertsSecretStep(options: {
  id: string;
  dependsOn: readonly string[];
  client: ClientSource;
  alerts: AlertsDestination | undefined;
}): Step {
  const wanted: Record<string, string> | undefined = options.alerts
    ? { address: options.alerts.address, ...(options.alerts.token ? { token: options.alerts.token } : {}) }
    : undefined;
  const where = `Secret ${FLUX_NAMESPACE}/${ALERTS_NAME}`;
  const live = async (ctx: StepContext) => (await clientFor(options.client, ctx)).get(REF, ctx.signal);
  const same = (data: Record<string, string> | undefined) =>
    wanted !== undefined &&
    data !== undefined &&
    Object.keys(data).length === Object.keys(wanted).length &&
    Object.entries(wanted).every(([k, v]) => data[k] === v);
  return {
    id: options.id,
    title: 'Store where alerts go',
    dependsOn: options.dependsOn,
    async observe(ctx) {
      const secret = await live(ctx);
      if (!wanted)
        return secret
          ? { inSync: false, summary: `delete ${where} (alerts are off)` }
          : { inSync: true, summary: 'alerts are off' };
      return same(decodeSecretData(secret))
        ? { inSync: true, summary: `${where} is up to date (${options.alerts?.provider})` }
        : {
            inSync: false,
            summary: `${secret ? 'update' : 'create'} ${where} (${options.alerts?.provider})`,
          };
    },
    async apply(ctx) {
      const client = await clientFor(options.client, ctx);
      if (!wanted) {
        if (!(await client.get(REF, ctx.signal))) return { result: 'unchanged' };
        await client.delete(REF);
        return { result: 'deleted', summary: `${where} deleted (alerts are off)` };
      }
      try {
        const report = await applyObjects(client, [alertsSecret(wanted)], {
          sink: ctx.sink,
          stepId: options.id,
          signal: ctx.signal,
        });
        return {
          result: report.created > 0 ? 'created' : report.configured > 0 ? 'updated' : 'unchanged',
          summary: `${where} (${options.alerts?.provider})`,
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
