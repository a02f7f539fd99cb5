/**
 * ml's model rollout holds together: the objects Flux would apply for an ml cluster (rendered,
 * built and substituted as `gitops diff` builds them) name each other correctly. The sample model's
 * version (sampleModelUri) reaches the pod template Flagger watches; the Canary's router is a
 * Gateway of Envoy Gateway's class admitting its route, reached through the EnvoyProxy's Service;
 * its metrics are MetricTemplates on the Prometheus base's kube-prometheus-stack creates (also
 * Flagger's metricsServer), selecting the canary's pods, which the PodMonitor has scraped on the
 * port the model server serves metrics on; its webhooks ask the profile's load tester for real
 * predict requests at the model's own endpoint. Its pods run as a service account whose Pod
 * Identity role may only read the bucket MLflow writes models to. Names are read from the objects,
 * not this file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import { field, oneOf, renderedFluxObjects, str, type Tree } from './rendered-objects.js';

const MODEL_URI = 's3://acme-models/iris/v7';
const DOMAIN = 'models.acme.dev';
const CLUSTER = 'rollout';
const REGION = 'eu-west-1';
// The account renderedFluxObjects renders for.
const ACCOUNT = '123456789012';
let objects: KubeObject[] = [];
let identities: WorkloadIdentity[] = [];

beforeAll(async () => {
  const parameters = { sampleModelUri: MODEL_URI, kserveDomain: DOMAIN };
  objects = await renderedFluxObjects(CLUSTER, REGION, 'ml', parameters);
  const profile = await resolveProfile('ml', { env: process.env });
  identities = resolveIdentities({
    layers: profile.profiles,
    spec: undefined,
    specSource: 'test',
    params: resolveParameters(profile.profile, parameters, builtinsFor(CLUSTER, REGION, ACCOUNT)),
    addons: profile.profile.addons.map((a) => a.name),
  });
});

const one = (kind: string, name: string, namespace?: string) => oneOf(objects, kind, name, namespace);
const release = (name: string) => one('HelmRelease', name, 'flux-system');
const canary = () => {
  const canaries = objects.filter((o) => o.kind === 'Canary');
  expect(canaries.map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual(['models/sample-model']);
  return canaries[0]!;
};
const target = () =>
  one('Deployment', str(canary(), 'spec', 'targetRef', 'name'), canary().metadata.namespace);
const containers = (d: KubeObject, list = 'containers') =>
  field(d, 'spec', 'template', 'spec', list) as Tree[];
/** The webhook of this type; its command with YAML's folded line breaks taken as spaces. */
function hook(type: string): { url: string; cmd: string } {
  const hooks = (field(canary(), 'spec', 'analysis', 'webhooks') as Tree[]).filter((h) => h['type'] === type);
  expect(hooks, `one ${type} webhook`).toHaveLength(1);
  return { url: str(hooks[0], 'url'), cmd: str(hooks[0], 'metadata', 'cmd') };
}
/** The model server's name for the model, which its REST paths carry. */
function modelName(): string {
  const env = (containers(target())[0]!['env'] as Tree[]) ?? [];
  const name = env.find((e) => e['name'] === 'MLSERVER_MODEL_NAME')?.['value'];
  expect(typeof name).toBe('string');
  return String(name);
}

describe("ml's sample model: a new version is rolled out by a canary", () => {
  it('takes its version from sampleModelUri into the pod template Flagger watches', () => {
    const init = containers(target(), 'initContainers');
    const loader = init.find((c) => String(c['image']).startsWith('kserve/storage-initializer:'));
    expect(loader, "KServe's storage initializer").toBeDefined();
    const [uri, dest] = loader!['args'] as string[];
    expect(uri).toBe(MODEL_URI);
    // It downloads into the volume the server reads the model from.
    const mountOf = (c: Tree) =>
      (c['volumeMounts'] as Tree[]).find((m) => m['mountPath'] === dest)?.['name'] as string | undefined;
    const server = containers(target())[0]!;
    expect(mountOf(loader!)).toBeDefined();
    expect(mountOf(server)).toBe(mountOf(loader!));
    const env = Object.fromEntries((server['env'] as Tree[]).map((e) => [e['name'], e['value']]));
    expect(env['MLSERVER_MODEL_URI']).toBe(dest);
    // No replicas in Git: the HPA and Flagger own the count.
    expect(field(target(), 'spec', 'replicas')).toBeUndefined();
    const hpa = one('HorizontalPodAutoscaler', str(canary(), 'spec', 'autoscalerRef', 'name'), 'models');
    expect(str(hpa, 'spec', 'scaleTargetRef', 'name')).toBe(target().metadata.name);
  });

  it('shifts traffic in steps through the Gateway API, on the port the model server listens on', () => {
    const c = canary();
    expect(str(c, 'spec', 'provider')).toBe('gatewayapi:v1');
    const step = Number(field(c, 'spec', 'analysis', 'stepWeight'));
    const max = Number(field(c, 'spec', 'analysis', 'maxWeight'));
    expect(step).toBeGreaterThan(0);
    expect(max).toBeGreaterThan(step);
    expect(max).toBeLessThanOrEqual(100);
    const ports = containers(target())[0]!['ports'] as Tree[];
    const http = ports.find((p) => p['name'] === str(c, 'spec', 'service', 'portName'));
    expect(http?.['containerPort']).toBe(field(c, 'spec', 'service', 'targetPort'));
    const env = Object.fromEntries(
      ((containers(target())[0]!['env'] as Tree[]) ?? []).map((e) => [e['name'], e['value']]),
    );
    expect(env['MLSERVER_HTTP_PORT']).toBe(String(http?.['containerPort']));
  });

  it("attaches to a Gateway of Envoy Gateway's class admitting the Canary's routes, behind the EnvoyProxy's Service", () => {
    const c = canary();
    const refs = field(c, 'spec', 'service', 'gatewayRefs') as Tree[];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const gateway = one('Gateway', String(ref['name']), String(ref['namespace'] ?? c.metadata.namespace));
      const gatewayClass = one('GatewayClass', str(gateway, 'spec', 'gatewayClassName'));
      expect(str(gatewayClass, 'spec', 'controllerName')).toBe(
        'gateway.envoyproxy.io/gatewayclass-controller',
      );
      const admits = (field(gateway, 'spec', 'listeners') as Tree[]).filter((l) => {
        const from = str(l, 'allowedRoutes', 'namespaces', 'from') || 'Same';
        return (
          l['protocol'] === 'HTTP' &&
          (from === 'All' || (from === 'Same' && gateway.metadata.namespace === c.metadata.namespace))
        );
      });
      expect(admits, `a listener of ${gateway.metadata.name} takes the Canary's HTTPRoute`).not.toEqual([]);
    }
    // The internal ALB sends the model's host to the proxies' Service, in Envoy Gateway's namespace.
    const gateway = one('Gateway', String(refs[0]!['name']), String(refs[0]!['namespace']));
    const params = field(gateway, 'spec', 'infrastructure', 'parametersRef') as Tree;
    expect(params).toMatchObject({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy' });
    const service = field(
      one('EnvoyProxy', String(params['name']), gateway.metadata.namespace),
      'spec',
      'provider',
      'kubernetes',
      'envoyService',
    ) as Tree;
    expect(service['type']).toBe('ClusterIP');
    const controllerNs = str(release('envoy-gateway'), 'spec', 'targetNamespace');
    const ingress = one('Ingress', c.metadata.name!, controllerNs);
    expect(str(ingress, 'spec', 'ingressClassName')).toBe('alb');
    expect(str(ingress, 'metadata', 'annotations', 'alb.ingress.kubernetes.io/target-type')).toBe('ip');
    expect(str(ingress, 'metadata', 'annotations', 'alb.ingress.kubernetes.io/scheme')).toBe('internal');
    const rule = field(ingress, 'spec', 'rules', 0) as Tree;
    expect(rule['host']).toBe(`${c.metadata.name}-${c.metadata.namespace}.${DOMAIN}`);
    const backend = field(rule, 'http', 'paths', 0, 'backend', 'service') as Tree;
    expect(backend['name']).toBe(service['name']);
    const listenerPorts = (field(gateway, 'spec', 'listeners') as Tree[]).map((l) => l['port']);
    expect(listenerPorts).toContain(field(backend, 'port', 'number'));
  });

  it('has the load tester send real predict requests: one to the canary first, then steadily through the Gateway', () => {
    const tester = release('flagger-loadtester');
    expect(str(tester, 'spec', 'chart', 'spec', 'chart')).toBe('loadtester');
    const releaseName = str(tester, 'spec', 'releaseName');
    expect(releaseName).toContain('loadtester'); // so the chart names its Service after the release
    const namespace = str(tester, 'spec', 'targetNamespace');
    const c = canary();
    expect(
      new RegExp(str(tester, 'spec', 'values', 'cmd', 'namespaceRegexp')).test(c.metadata.namespace!),
    ).toBe(true);
    const infer = `/v2/models/${modelName()}/infer`;
    const acceptance = hook('pre-rollout');
    expect(acceptance.url).toBe(`http://${releaseName}.${namespace}/`);
    expect(acceptance.cmd).toMatch(/^curl -sf -X POST /);
    expect(acceptance.cmd.endsWith(` http://${c.metadata.name}-canary.${c.metadata.namespace}${infer}`)).toBe(
      true,
    );

    const load = hook('rollout');
    expect(load.url).toBe(`http://${releaseName}.${namespace}/`);
    const gateway = one('Gateway', str(c, 'spec', 'service', 'gatewayRefs', 0, 'name'), 'models');
    const proxy = one(
      'EnvoyProxy',
      str(gateway, 'spec', 'infrastructure', 'parametersRef', 'name'),
      'models',
    );
    const service = str(proxy, 'spec', 'provider', 'kubernetes', 'envoyService', 'name');
    const controllerNs = str(release('envoy-gateway'), 'spec', 'targetNamespace');
    expect(load.cmd).toMatch(/^hey .*-m POST -T application\/json /);
    expect(load.cmd.endsWith(` http://${service}.${controllerNs}${infer}`)).toBe(true);
    // Both send the same valid Open Inference Protocol request body.
    for (const cmd of [acceptance.cmd, load.cmd]) {
      const body = JSON.parse(/-d '([^']+)'/.exec(cmd)![1]!) as {
        inputs: { shape: number[]; data: unknown }[];
      };
      expect(body.inputs[0]!.shape).toEqual([1, 4]);
      expect((body.inputs[0]!.data as number[][]).flat()).toHaveLength(4);
    }
  });

  it("judges success rate and latency with templates on base's Prometheus, which Flagger also uses", () => {
    const kps = release('kube-prometheus-stack');
    const name = str(kps, 'spec', 'releaseName');
    const fullname = (name.includes('kube-prometheus-stack') ? name : `${name}-kube-prometheus-stack`).slice(
      0,
      26,
    );
    const prometheus = `http://${fullname.replace(/-+$/, '')}-prometheus.${str(kps, 'spec', 'targetNamespace')}:9090`;
    expect(str(release('flagger'), 'spec', 'values', 'metricsServer')).toBe(prometheus);
    const metrics = field(canary(), 'spec', 'analysis', 'metrics') as Tree[];
    expect(metrics.map((m) => Object.keys((m['thresholdRange'] as Tree) ?? {}).join())).toEqual(
      expect.arrayContaining(['min', 'max']),
    );
    for (const m of metrics) {
      const ref = m['templateRef'] as Tree | undefined;
      expect(ref, `metric ${String(m['name'])} uses a template of this profile`).toBeDefined();
      const template = one('MetricTemplate', String(ref!['name']), String(ref!['namespace'] ?? 'models'));
      expect(field(template, 'spec', 'provider')).toEqual({ type: 'prometheus', address: prometheus });
    }
  });

  it("selects only the canary's predict requests, from the pods and port the PodMonitor scrapes", () => {
    const c = canary();
    const t = target();
    const podLabels = field(t, 'spec', 'template', 'metadata', 'labels') as Tree;
    const monitor = one('PodMonitor', t.metadata.name!, 'models');
    const selector = field(monitor, 'spec', 'selector', 'matchLabels') as Tree;
    expect(podLabels).toMatchObject(selector);
    // Flagger renames the selector label on the primary; the monitor must not select by it.
    expect(Object.keys(selector)).not.toContain(
      Object.keys(field(t, 'spec', 'selector', 'matchLabels') as Tree)[0],
    );
    const endpoint = field(monitor, 'spec', 'podMetricsEndpoints', 0) as Tree;
    const server = containers(t)[0]!;
    const metricsPort = (server['ports'] as Tree[]).find((p) => p['name'] === endpoint['port']);
    expect(metricsPort, 'the PodMonitor scrapes a named port of the model server').toBeDefined();
    const env = Object.fromEntries((server['env'] as Tree[]).map((e) => [e['name'], e['value']]));
    expect(env['MLSERVER_METRICS_PORT']).toBe(String(metricsPort!['containerPort']));

    const infer = `/v2/models/${modelName()}/infer`;
    const metrics = field(c, 'spec', 'analysis', 'metrics') as Tree[];
    for (const m of metrics) {
      const query = str(one('MetricTemplate', str(m, 'templateRef', 'name'), 'models'), 'spec', 'query');
      const vars = query.match(/\{\{\s*(\w+)\s*\}\}/g)?.map((v) => v.replace(/[{} ]/g, '')) ?? [];
      expect(vars.every((v) => ['namespace', 'target', 'interval'].includes(v))).toBe(true);
      const rendered = query
        .replaceAll('{{ namespace }}', c.metadata.namespace!)
        .replaceAll('{{ target }}', t.metadata.name!)
        .replaceAll('{{ interval }}', '1m');
      // MLServer's REST metrics (starlette_exporter with the prefix rest_server).
      expect(rendered).toMatch(/rest_server_request(s_total|_duration_seconds_bucket)\{/);
      const pods = [...rendered.matchAll(/pod=~"([^"]+)"/g)].map((x) => new RegExp(`^${x[1]}$`));
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.test(`${t.metadata.name}-7d9f8b6c5d-x2x7k`), 'a canary pod').toBe(true);
        expect(pod.test(`${t.metadata.name}-primary-7d9f8b6c5d-x2x7k`), 'a primary pod').toBe(false);
      }
      const paths = [...rendered.matchAll(/path=~"([^"]+)"/g)].map((x) => new RegExp(`^${x[1]}$`));
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) {
        expect(p.test(infer), 'the predict path').toBe(true);
        expect(p.test(`/v2/models/${modelName()}/ready`), 'the readiness probe').toBe(false);
      }
      expect(rendered).toContain(`namespace="${c.metadata.namespace}"`);
    }
  });

  it('reads models from the bucket MLflow logs them to, with a Pod Identity role that can do nothing else', () => {
    const pod = field(target(), 'spec', 'template', 'spec') as Tree;
    const account = str(pod, 'serviceAccountName');
    const namespace = target().metadata.namespace!;
    // Not the namespace's default account, which every other pod there would share.
    expect(account).not.toBe('');
    expect(account).not.toBe('default');
    one('ServiceAccount', account, namespace);
    // Flagger copies the target's pod spec to the primary: the Canary's target is this Deployment.
    expect(str(canary(), 'spec', 'targetRef', 'name')).toBe(target().metadata.name);

    // The bucket is the one MLflow's server writes artifacts to, as Flux would apply it.
    const mlflow = containers(one('Deployment', 'mlflow', 'mlflow'))[0]!;
    const destination = (mlflow['command'] as string[]).find((a) => a.startsWith('--artifacts-destination='));
    const bucket = /^--artifacts-destination=s3:\/\/([^/]+)\/?$/.exec(destination ?? '')?.[1];
    expect(bucket, "MLflow's S3 artifact destination").toBeDefined();

    const identity = identities.find((i) => i.namespace === namespace && i.serviceAccount === account);
    expect(identity, `an identity for ${namespace}/${account}`).toBeDefined();
    expect(identity!.addon).toBeUndefined();
    expect(identity!.managedPolicyArns).toEqual([]);
    const grants = identity!.inlinePolicies.flatMap((p) =>
      (JSON.parse(p.document) as { Statement: Tree[] }).Statement.flatMap((s) => {
        expect(s['Effect']).toBe('Allow');
        expect(s['NotAction']).toBeUndefined();
        expect(s['NotResource']).toBeUndefined();
        const list = (v: unknown) => (Array.isArray(v) ? v : [v]) as string[];
        return list(s['Action']).flatMap((a) => list(s['Resource']).map((r) => `${a} ${r}`));
      }),
    );
    expect(grants.sort()).toEqual([
      `s3:GetObject arn:aws:s3:::${bucket}/*`,
      `s3:ListBucket arn:aws:s3:::${bucket}`,
    ]);

    // boto3 in the storage initializer gets credentials from Pod Identity but the region from here.
    const loader = containers(target(), 'initContainers').find((c) =>
      String(c['image']).startsWith('kserve/storage-initializer:'),
    )!;
    const env = Object.fromEntries((loader['env'] as Tree[]).map((e) => [e['name'], e['value']]));
    expect(env['AWS_DEFAULT_REGION']).toBe(REGION);
    expect(env['AWS_ENDPOINT_URL']).toBeUndefined();
  });
});
