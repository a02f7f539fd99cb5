/**
 * The stand-in for notification-controller: the events Flux's controllers would send it are
 * matched against the Alerts of the involved object's namespace and dispatched to each Alert's
 * Provider, as Flux does:
 *   Alert       eventSeverity (error: errors only; info: all), eventSources (kind, name or `*`,
 *               namespace, matchLabels with `*`), inclusionList / exclusionList (regular
 *               expressions on the message), eventMetadata added without overriding, suspend;
 *   Provider    suspend; the address from its Secret's `address` key (else spec.address);
 *   generic     an HTTP POST of the event as JSON (Content-Type application/json, Gotk-Component
 *               naming the controller); generic-hmac adds X-Signature: sha256=<hex HMAC of the
 *               body> keyed by the Secret's `token`;
 *   rate limit  an event equal in object, message and metadata to one sent in the last 5 minutes
 *               is dropped (notification-controller's default --rate-limit-interval).
 * Other provider types (slack, msteams, ...) need their real services, which the sandbox cannot
 * reach: nothing is sent, and the Provider is marked sandbox.gitops.dev/not-delivered so status
 * lists it under `simulated`. The address is never logged.
 */
import { createHmac } from 'node:crypto';
import { type Api, at, isRecord, type Obj, refOf } from './api.js';

export const NOT_DELIVERED_ANNOTATION = 'sandbox.gitops.dev/not-delivered';
const GROUP = 'notification.toolkit.fluxcd.io';
const VERSIONS = ['v1beta3', 'v1beta2'];
const DELIVERED = new Set(['generic', 'generic-hmac']);
const RATE_LIMIT_MS = 5 * 60_000;

/** An event as Flux's controllers post it (fluxcd/pkg/apis/event). */
export interface FluxEvent {
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
  severity: 'info' | 'error';
  timestamp: string;
  message: string;
  reason: string;
  metadata?: Record<string, string>;
  reportingController: string;
  reportingInstance?: string;
}

export class NotificationStandIn {
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly api: Api,
    private readonly log: (line: string) => void,
  ) {}

  /** What a controller's event recorder does: build the event for `obj` and hand it over. */
  async emit(
    obj: Obj,
    severity: FluxEvent['severity'],
    reason: string,
    message: string,
    options: { revision?: string; controller: string },
  ): Promise<void> {
    const group = obj.apiVersion.split('/')[0] ?? '';
    const event: FluxEvent = {
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        namespace: obj.metadata.namespace ?? '',
        ...(typeof obj.metadata['uid'] === 'string' ? { uid: obj.metadata['uid'] } : {}),
      },
      severity,
      timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      message,
      reason,
      ...(options.revision ? { metadata: { [`${group}/revision`]: options.revision } } : {}),
      reportingController: options.controller,
      reportingInstance: `${options.controller}-sandbox`,
    };
    await this.dispatch(event, obj).catch((e: unknown) =>
      this.log(`notification: ${(e as Error).message.split('\n')[0]}`),
    );
  }

  /** Marks the Providers whose type the sandbox cannot deliver to (once per pass of the loop). */
  async markProviders(): Promise<void> {
    for (const p of await this.list('Provider')) {
      const type = String(at(p, 'spec', 'type') ?? '');
      const note = DELIVERED.has(type)
        ? null
        : `${type} alerts are not sent from the sandbox (it cannot reach ${type}); only generic and generic-hmac webhooks are posted`;
      if ((p.metadata.annotations?.[NOT_DELIVERED_ANNOTATION] ?? null) === note) continue;
      await this.api.mergePatch(refOf(p), {
        metadata: { annotations: { [NOT_DELIVERED_ANNOTATION]: note } },
      });
    }
  }

  private async list(kind: string): Promise<Obj[]> {
    for (const v of VERSIONS) {
      if (await this.api.resource(`${GROUP}/${v}`, kind)) return await this.api.list(`${GROUP}/${v}`, kind);
    }
    return [];
  }

  private async dispatch(event: FluxEvent, obj: Obj): Promise<void> {
    const ns = event.involvedObject.namespace;
    const alerts = (await this.list('Alert')).filter(
      (a) => a.metadata.namespace === ns && matches(a, event, obj),
    );
    if (alerts.length === 0) return;
    const providers = (await this.list('Provider')).filter((p) => p.metadata.namespace === ns);
    for (const alert of alerts) {
      const provider = providers.find((p) => p.metadata.name === at(alert, 'spec', 'providerRef', 'name'));
      if (!provider || at(provider, 'spec', 'suspend') === true) continue;
      const metadata = { ...strings(at(alert, 'spec', 'eventMetadata')), ...(event.metadata ?? {}) };
      const out: FluxEvent = { ...event, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
      const key = JSON.stringify([provider.metadata.name, out.involvedObject, out.message, out.metadata]);
      const last = this.sent.get(key);
      if (last !== undefined && Date.now() - last < RATE_LIMIT_MS) continue;
      this.sent.set(key, Date.now());
      await this.post(provider, out, `${alert.metadata.name}`);
    }
  }

  private async post(provider: Obj, event: FluxEvent, alert: string): Promise<void> {
    const type = String(at(provider, 'spec', 'type') ?? '');
    const what = `${event.severity} event of ${event.involvedObject.kind} ${event.involvedObject.namespace}/${event.involvedObject.name} (Alert ${alert})`;
    if (!DELIVERED.has(type))
      return this.log(`notification: ${what} not sent: the sandbox cannot reach ${type}`);
    const secretName = at(provider, 'spec', 'secretRef', 'name');
    const secret =
      typeof secretName === 'string'
        ? await this.api.get({
            apiVersion: 'v1',
            kind: 'Secret',
            name: secretName,
            namespace: event.involvedObject.namespace,
          })
        : undefined;
    const data = strings(at(secret, 'data'));
    const decode = (k: string) => (data[k] ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
    const address = decode('address') ?? (at(provider, 'spec', 'address') as string | undefined);
    if (!address)
      return this.log(`notification: ${what} not sent: Provider ${provider.metadata.name} has no address`);
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Gotk-Component': event.reportingController,
    };
    if (type === 'generic-hmac') {
      const token = decode('token');
      if (!token) return this.log(`notification: ${what} not sent: generic-hmac needs a token in the Secret`);
      headers['X-Signature'] = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
    }
    const res = await fetch(address, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(15_000),
    }).catch((e: unknown) => new Error(`${(e as Error).name}`));
    if (res instanceof Error || !res.ok)
      return this.log(
        `notification: ${what} failed: ${res instanceof Error ? res.message : `HTTP ${res.status}`}`,
      );
    this.log(`notification: ${what} posted to Provider ${provider.metadata.name}`);
  }
}

function matches(alert: Obj, event: FluxEvent, obj: Obj): boolean {
  const spec = isRecord(alert['spec']) ? alert['spec'] : {};
  if (spec['suspend'] === true) return false;
  if ((spec['eventSeverity'] ?? 'info') === 'error' && event.severity !== 'error') return false;
  const sources = Array.isArray(spec['eventSources']) ? spec['eventSources'] : [];
  const source = sources.some((s) => {
    if (at(s, 'kind') !== event.involvedObject.kind) return false;
    if ((at(s, 'namespace') ?? alert.metadata.namespace) !== event.involvedObject.namespace) return false;
    const name = at(s, 'name');
    if (name === '*') {
      const labels = strings(at(s, 'matchLabels'));
      return Object.entries(labels).every(([k, v]) => obj.metadata.labels?.[k] === v);
    }
    return name === event.involvedObject.name;
  });
  if (!source) return false;
  const list = (k: string) => (Array.isArray(spec[k]) ? (spec[k] as unknown[]).map(String) : []);
  const include = list('inclusionList');
  if (include.length > 0 && !include.some((re) => new RegExp(re).test(event.message))) return false;
  return !list('exclusionList').some((re) => new RegExp(re).test(event.message));
}

function strings(v: unknown): Record<string, string> {
  return isRecord(v) ? Object.fromEntries(Object.entries(v).map(([a, b]) => [a, String(b)])) : {};
}
