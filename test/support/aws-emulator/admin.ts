// Admin routes under /_emulator/ (outside every AWS path): inspection, fault control, images,
// identities, the kube-apiserver binding and the token-review webhook. They mirror the in-process
// handle so a separate process (the sandbox) can drive the emulator over HTTP.

import { z } from 'zod';
import type { PodIdentityQuery, PodIdentityReport } from './eks-pod-identity-report.js';
import type { EmulatorState } from './state.js';
import type {
  CallRecord,
  PushedImage,
  DownMode,
  FaultRule,
  Identity,
  KubeApiserverBinding,
  LifecycleFault,
} from './types.js';

export interface AdminApi {
  state(): EmulatorState;
  calls(filter: { service?: string; operation?: string }): CallRecord[];
  clearCalls(): void;
  faults(): FaultRule[];
  setFaults(rules: FaultRule[]): void;
  lifecycleFaults(): LifecycleFault[];
  addLifecycleFault(f: LifecycleFault): void;
  pushImage(repository: string, tag: string, digest?: string, pushedAt?: Date): PushedImage;
  setDown(ms: number, mode?: DownMode): void;
  addIdentity(id: Identity): void;
  setKubeApiserver(binding: KubeApiserverBinding): void;
  setClockPaused(paused: boolean): void;
  setServiceQuotas(values: Record<string, number>): void;
  tokenReview(body: unknown, cluster?: string): Record<string, unknown>;
  webhookKubeconfig(cluster?: string): string;
  podIdentity(query: PodIdentityQuery): PodIdentityReport;
}

export interface AdminReply {
  status: number;
  contentType: string;
  body: string;
}

const service = z.enum(['eks', 'ecr', 'ec2', 'iam', 'sts', 'servicequotas', 's3']);
const faultRule = z.strictObject({
  service: service.optional(),
  operation: z.string().optional(),
  throttleRate: z.number().min(0).max(1).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().min(0).optional(),
  failNth: z.array(z.number().int().min(1)).optional(),
  hangNth: z.array(z.number().int().min(1)).optional(),
  throttleNth: z.array(z.number().int().min(1)).optional(),
  hangMs: z.number().min(0).optional(),
  deny: z.boolean().optional(),
});
const lifecycleFault = z.strictObject({
  resource: z.enum(['cluster', 'nodegroup', 'addon', 'natgateway']),
  name: z.string().optional(),
  outcome: z.enum(['FAILED', 'CREATE_FAILED', 'DEGRADED']),
  message: z.string().optional(),
  code: z.string().optional(),
});
const image = z.strictObject({
  repository: z.string(),
  tag: z.string(),
  digest: z.string().optional(),
  /** When the push happened (epoch ms or ISO 8601); default now. */
  pushedAt: z.union([z.number(), z.iso.datetime()]).optional(),
});
const down = z.strictObject({
  ms: z.number().min(0).max(3_600_000),
  mode: z.enum(['unavailable', 'reset']).optional(),
});
const identity = z.strictObject({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  arn: z.string(),
  accountId: z.string().optional(),
  sessionToken: z.string().optional(),
});
const binding = z.strictObject({ endpoint: z.url(), caData: z.string() });

const json = (status: number, data: unknown): AdminReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(data),
});

function parseBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** Strips undefined members zod leaves for absent optional fields (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function handleAdmin(
  api: AdminApi,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: Buffer,
): AdminReply {
  try {
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    if (route === 'GET /_emulator/health') return json(200, { ok: true });
    if (route === 'GET /_emulator/state') return json(200, api.state());
    if (route === 'GET /_emulator/calls') {
      const filter = defined({
        service: query.get('service') ?? undefined,
        operation: query.get('operation') ?? undefined,
      });
      return json(200, api.calls(filter));
    }
    if (route === 'DELETE /_emulator/calls') {
      api.clearCalls();
      return json(200, { ok: true });
    }
    if (route === 'GET /_emulator/faults') return json(200, api.faults());
    if (route === 'PUT /_emulator/faults' || route === 'POST /_emulator/faults') {
      api.setFaults(z.array(faultRule).parse(parseBody(raw)).map(defined));
      return json(200, api.faults());
    }
    if (route === 'GET /_emulator/lifecycle-faults') return json(200, api.lifecycleFaults());
    if (route === 'POST /_emulator/lifecycle-faults') {
      api.addLifecycleFault(defined(lifecycleFault.parse(parseBody(raw))));
      return json(200, api.lifecycleFaults());
    }
    if (route === 'POST /_emulator/images') {
      const i = image.parse(parseBody(raw));
      const pushed = api.pushImage(
        i.repository,
        i.tag,
        i.digest,
        i.pushedAt !== undefined ? new Date(i.pushedAt) : undefined,
      );
      return json(200, { ok: true, ...pushed });
    }
    if (route === 'POST /_emulator/down') {
      const d = down.parse(parseBody(raw));
      api.setDown(d.ms, d.mode);
      return json(200, { ok: true });
    }
    if (route === 'POST /_emulator/identities') {
      api.addIdentity(defined(identity.parse(parseBody(raw))));
      return json(200, { ok: true });
    }
    if (route === 'PUT /_emulator/kube-apiserver' || route === 'POST /_emulator/kube-apiserver') {
      api.setKubeApiserver(binding.parse(parseBody(raw)));
      return json(200, { ok: true });
    }
    if (route === 'POST /_emulator/clock') {
      api.setClockPaused(z.strictObject({ paused: z.boolean() }).parse(parseBody(raw)).paused);
      return json(200, { ok: true });
    }
    if (route === 'PUT /_emulator/service-quotas' || route === 'POST /_emulator/service-quotas') {
      api.setServiceQuotas(z.record(z.string(), z.number().min(0)).parse(parseBody(raw)));
      return json(200, { ok: true });
    }
    const review = /^POST \/_emulator\/token-review(?:\/([^/]+))?$/.exec(route);
    if (review) {
      const cluster = review[1] !== undefined ? decodeURIComponent(review[1]) : undefined;
      return json(200, api.tokenReview(parseBody(raw), cluster));
    }
    if (route === 'GET /_emulator/pod-identity') {
      const cluster = query.get('cluster');
      if (!cluster) return json(400, { error: 'cluster is required' });
      return json(
        200,
        api.podIdentity(
          defined({
            cluster,
            namespace: query.get('namespace') ?? undefined,
            serviceAccount: query.get('serviceAccount') ?? undefined,
          }),
        ),
      );
    }
    if (route === 'GET /_emulator/token-webhook-kubeconfig') {
      return {
        status: 200,
        contentType: 'application/yaml',
        body: api.webhookKubeconfig(query.get('cluster') ?? undefined),
      };
    }
    return json(404, { error: `no admin route ${route}` });
  } catch (e) {
    const message = e instanceof z.ZodError ? z.prettifyError(e) : e instanceof Error ? e.message : String(e);
    return json(400, { error: message });
  }
}
