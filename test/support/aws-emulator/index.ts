// startAwsEmulator(): the in-process entry point tests use (main.ts wraps it for a standalone
// process). See README.md for operations, validations and lifecycle durations.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AdminApi } from './admin.js';
import { CallLog } from './call-log.js';
import { ScaledClock } from './clock.js';
import type { EmulatorContext } from './context.js';
import { ec2Service } from './ec2.js';
import { Ec2Store } from './ec2-store.js';
import { ecrService } from './ecr.js';
import { EcrStore } from './ecr-store.js';
import { eksService } from './eks.js';
import { type PodIdentityReport, podIdentityReport } from './eks-pod-identity-report.js';
import { EksStore } from './eks-store.js';
import { EksVersionTable } from './eks-versions.js';
import { FaultEngine } from './faults.js';
import { iamService } from './iam.js';
import { IamStore } from './iam-store.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_IDENTITY, IdentityRegistry } from './identities.js';
import { LifecycleFaults, toFailure } from './lifecycle-faults.js';
import { locateModels } from './model-source.js';
import { checkBindings } from './model-validation.js';
import { SeededRandom } from './random.js';
import { QuotaStore, serviceQuotasService } from './service-quotas.js';
import { s3Service } from './s3.js';
import { S3Store } from './s3-store.js';
import { createHandler, type DownState } from './server.js';
import { snapshot } from './state.js';
import { stsService } from './sts.js';
import { tokenReviewResponse } from './token-review.js';
import type {
  CallRecord,
  DownMode,
  EmulatorOptions,
  EmulatorState,
  FaultRule,
  Identity,
  KubeApiserverBinding,
  LifecycleFault,
  PushedImage,
} from './types.js';
import { webhookKubeconfig, writeWebhookKubeconfig } from './webhook-kubeconfig.js';
import { eksUnsupportedZones } from './zones.js';

export type * from './state.js';
export type * from './types.js';
export { DEFAULT_ACCOUNT_ID, DEFAULT_IDENTITY } from './identities.js';

export interface RunningEmulator {
  url: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  state(): EmulatorState;
  calls(filter?: { service?: string; operation?: string }): CallRecord[];
  clearCalls(): void;
  setFaults(rules: FaultRule[]): void;
  addLifecycleFault(f: LifecycleFault): void;
  /** Stands in for a docker push (there is no registry); `pushedAt` backdates it. */
  pushImage(repository: string, tag: string, digest?: string, pushedAt?: Date): PushedImage;
  /** Answer 503 ('unavailable', default) or drop connections ('reset') for ms of real time. */
  setDown(ms: number, mode?: DownMode): void;
  addIdentity(id: Identity): void;
  /** Bind every EKS cluster to a kube-apiserver (may be called after start). */
  setKubeApiserver(binding: KubeApiserverBinding): void;
  /** Sets an applied Service Quotas value, e.g. setServiceQuota('ec2', 'L-DB2E81BA', 0). */
  setServiceQuota(serviceCode: string, quotaCode: string, value: number): void;
  /** Freeze / unfreeze emulated time: lifecycles stand still while paused (AWS calls keep working). */
  pauseClock(): void;
  resumeClock(): void;
  /** Accepts a token for any existing cluster; `${tokenReviewUrl}/<cluster>` accepts one cluster only. */
  tokenReviewUrl: string;
  writeTokenWebhookKubeconfig(path: string, cluster?: string): void;
  /** Which role the pods of a service account would receive (GET /_emulator/pod-identity). */
  podIdentity(cluster: string, namespace?: string, serviceAccount?: string): PodIdentityReport;
  stop(): Promise<void>;
}

/** A name given to a lifecycle fault can match a resource already being created. */
function failCreating(ctx: EmulatorContext, f: LifecycleFault): boolean {
  if (f.name === undefined) return false;
  const failure = toFailure(f);
  const now = ctx.clock.now();
  const creating = (l: { readyAt: number; failure?: unknown; deletingSince?: number }) =>
    now < l.readyAt && l.failure === undefined && l.deletingSince === undefined;
  const targets =
    f.resource === 'cluster'
      ? [ctx.eks.clusters.get(f.name)?.lifecycle]
      : f.resource === 'nodegroup'
        ? [...ctx.eks.clusters.values()].map((c) => c.nodegroups.get(f.name!)?.lifecycle)
        : f.resource === 'addon'
          ? [...ctx.eks.clusters.values()].map((c) => c.addons.get(f.name!)?.lifecycle)
          : [...ctx.ec2.natGateways.values()]
              .filter(
                (n) =>
                  n.id === f.name ||
                  n.subnetId === f.name ||
                  n.tags.some((t) => t.Key === 'Name' && t.Value === f.name),
              )
              .map((n) => n.lifecycle);
  const target = targets.find((l) => l !== undefined && creating(l));
  if (!target) return false;
  target.failure = failure;
  return true;
}

export async function startAwsEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  // Without AWS's models nothing could be validated: refuse to start instead of accepting all.
  locateModels();
  const seed = opts.seed ?? 1;
  const clock = new ScaledClock(opts.timeScale ?? 1);
  const random = new SeededRandom(seed ^ 0x5eed);
  const ctx: EmulatorContext = {
    region: opts.region ?? 'us-west-2',
    accountId: DEFAULT_ACCOUNT_ID,
    clock,
    random,
    identities: new IdentityRegistry(),
    lifecycleFaults: new LifecycleFaults(),
    iam: new IamStore(),
    ec2: new Ec2Store(clock, random),
    eks: new EksStore(clock),
    eksVersions: new EksVersionTable(opts.eksVersions),
    quotas: new QuotaStore(opts.serviceQuotas),
    eksUnsupportedZones: opts.eksUnsupportedZones ?? eksUnsupportedZones(opts.region ?? 'us-west-2'),
    ecr: new EcrStore(),
    s3: new S3Store(),
    kube: opts.kubeApiserver ? { ...opts.kubeApiserver } : undefined,
    url: '',
  };
  const faults = new FaultEngine(seed, opts.faults ?? []);
  const calls = new CallLog();
  const down: DownState = { until: 0, mode: 'unavailable' };
  const timers = new Set<NodeJS.Timeout>();

  const admin: AdminApi = {
    state: () => snapshot(ctx),
    calls: (filter) => calls.list(filter),
    clearCalls: () => calls.clear(),
    faults: () => faults.rules(),
    setFaults: (rules) => faults.setRules(rules),
    lifecycleFaults: () => ctx.lifecycleFaults.list(),
    addLifecycleFault: (f) => {
      if (!failCreating(ctx, f)) ctx.lifecycleFaults.add(f);
    },
    pushImage: (repository, tag, digest, pushedAt) => {
      const image = ctx.ecr.pushImage(repository, tag, digest, pushedAt?.getTime() ?? clock.now());
      return { digest: image.digest, pushedAt: new Date(image.pushedAt).toISOString() };
    },
    setDown: (ms, mode = 'unavailable') => {
      down.until = Date.now() + ms;
      down.mode = mode;
    },
    addIdentity: (id) => ctx.identities.add(id),
    setKubeApiserver: (b) => {
      ctx.kube = { ...b };
    },
    setClockPaused: (paused) => (paused ? clock.pause() : clock.resume()),
    setServiceQuotas: (values) => {
      for (const [key, value] of Object.entries(values)) ctx.quotas.set(key, value);
    },
    tokenReview: (body, cluster) => tokenReviewResponse(ctx, body, cluster),
    webhookKubeconfig: (cluster) => webhookKubeconfig(reviewUrl(cluster)),
    podIdentity: (q) => podIdentityReport(ctx, q),
  };
  const services = {
    eks: eksService(ctx),
    ecr: ecrService(ctx),
    ec2: ec2Service(ctx),
    iam: iamService(ctx),
    sts: stsService(),
    servicequotas: serviceQuotasService(ctx),
    s3: s3Service(ctx),
  };
  checkBindings(Object.keys(services));
  const handler = createHandler({ ctx, services, faults, calls, down, admin, timers });
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      console.error('[aws-emulator] request failed:', e);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ctx.url = `http://127.0.0.1:${port}`;
  const reviewUrl = (cluster?: string) =>
    `${ctx.url}/_emulator/token-review${cluster !== undefined ? `/${encodeURIComponent(cluster)}` : ''}`;

  return {
    url: ctx.url,
    region: ctx.region,
    accountId: ctx.accountId,
    accessKeyId: DEFAULT_IDENTITY.accessKeyId,
    secretAccessKey: DEFAULT_IDENTITY.secretAccessKey,
    state: admin.state,
    calls: (filter = {}) => calls.list(filter),
    clearCalls: admin.clearCalls,
    setFaults: admin.setFaults,
    addLifecycleFault: admin.addLifecycleFault,
    pushImage: admin.pushImage,
    setDown: admin.setDown,
    addIdentity: admin.addIdentity,
    setKubeApiserver: admin.setKubeApiserver,
    setServiceQuota: (serviceCode, quotaCode, value) => ctx.quotas.set(`${serviceCode}/${quotaCode}`, value),
    pauseClock: () => clock.pause(),
    resumeClock: () => clock.resume(),
    tokenReviewUrl: reviewUrl(),
    writeTokenWebhookKubeconfig: (path, cluster) => writeWebhookKubeconfig(path, reviewUrl(cluster)),
    podIdentity: (cluster, namespace, serviceAccount) =>
      podIdentityReport(ctx, {
        cluster,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(serviceAccount !== undefined ? { serviceAccount } : {}),
      }),
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
