/**
 * mobile's canary holds together: the objects Flux would apply for a mobile cluster (rendered,
 * built and substituted as `gitops diff` builds them) name each other correctly. The Canary's
 * router (Gateway API: Gateway, GatewayClass of Envoy Gateway, the EnvoyProxy naming the proxies'
 * Service, the ALB Ingress in front of it), its metrics (MetricTemplates on the Prometheus that
 * base's kube-prometheus-stack release creates, also Flagger's metricsServer; the PodMonitor that
 * has it scrape the pods the queries select) and its load tester (the release's Service, what it
 * sends traffic to). Each check reads the names from the objects, never from this file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { field, oneOf, renderedFluxObjects, str, type Tree } from './rendered-objects.js';

const API_HOST = 'api.acme.dev';
let objects: KubeObject[] = [];

beforeAll(async () => {
  objects = await renderedFluxObjects('canary', 'eu-west-1', 'mobile', {
    hostedZoneId: 'Z0000000000EXAMPLE',
    apiHost: API_HOST,
  });
});

const one = (kind: string, name: string, namespace?: string) => oneOf(objects, kind, name, namespace);
const release = (name: string) => one('HelmRelease', name, 'flux-system');

describe("mobile's canary: router, metrics and load tester agree", () => {
  it('shifts traffic in steps through the Gateway API', () => {
    const canary = one('Canary', 'api', 'api');
    expect(str(canary, 'spec', 'provider')).toBe('gatewayapi:v1');
    const step = Number(field(canary, 'spec', 'analysis', 'stepWeight'));
    const max = Number(field(canary, 'spec', 'analysis', 'maxWeight'));
    expect(step).toBeGreaterThan(0);
    expect(max).toBeGreaterThan(step);
    expect(max).toBeLessThanOrEqual(100);
    // The target's port is the one Flagger's Services send to, and the one the PodMonitor scrapes.
    const deployment = one('Deployment', str(canary, 'spec', 'targetRef', 'name'), 'api');
    const ports = field(deployment, 'spec', 'template', 'spec', 'containers', 0, 'ports') as Tree[];
    const http = ports.find((p) => p['name'] === str(canary, 'spec', 'service', 'portName'));
    expect(http?.['containerPort']).toBe(field(canary, 'spec', 'service', 'targetPort'));
  });

  it("attaches to a Gateway of Envoy Gateway's class that admits routes of the Canary's namespace", () => {
    const canary = one('Canary', 'api', 'api');
    const refs = field(canary, 'spec', 'service', 'gatewayRefs') as Tree[];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const gateway = one('Gateway', String(ref['name']), String(ref['namespace'] ?? 'api'));
      const gatewayClass = one('GatewayClass', str(gateway, 'spec', 'gatewayClassName'));
      expect(str(gatewayClass, 'spec', 'controllerName')).toBe(
        'gateway.envoyproxy.io/gatewayclass-controller',
      );
      const listeners = field(gateway, 'spec', 'listeners') as Tree[];
      const admits = listeners.filter((l) => {
        const from = str(l, 'allowedRoutes', 'namespaces', 'from') || 'Same';
        return (
          l['protocol'] === 'HTTP' &&
          (from === 'All' || (from === 'Same' && gateway.metadata.namespace === 'api'))
        );
      });
      expect(admits, `a listener of Gateway ${gateway.metadata.name} takes HTTPRoutes from api`).not.toEqual(
        [],
      );
    }
  });

  it("reaches the proxies through the ALB: the Ingress sends to the EnvoyProxy's Service in Envoy Gateway's namespace", () => {
    const gateway = one('Gateway', 'api', 'api');
    const params = field(gateway, 'spec', 'infrastructure', 'parametersRef') as Tree;
    expect(params).toMatchObject({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy' });
    const proxy = one('EnvoyProxy', String(params['name']), gateway.metadata.namespace);
    const service = field(proxy, 'spec', 'provider', 'kubernetes', 'envoyService') as Tree;
    expect(service['type']).toBe('ClusterIP');
    // Envoy Gateway runs the proxies (and their Service) in its own namespace by default.
    const controllerNs = str(release('envoy-gateway'), 'spec', 'targetNamespace');
    const ingress = one('Ingress', 'api', controllerNs);
    const backend = field(ingress, 'spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service') as Tree;
    expect(backend['name']).toBe(service['name']);
    // The proxies' Service exposes each listener on the listener's port.
    const ports = (field(gateway, 'spec', 'listeners') as Tree[]).map((l) => l['port']);
    expect(ports).toContain(field(backend, 'port', 'number'));
    expect(str(ingress, 'spec', 'rules', 0, 'host')).toBe(API_HOST);
    expect(str(ingress, 'spec', 'ingressClassName')).toBe('alb');
    expect(str(ingress, 'metadata', 'annotations', 'alb.ingress.kubernetes.io/target-type')).toBe('ip');
  });

  it("sends load through the Gateway from the profile's load tester", () => {
    const canary = one('Canary', 'api', 'api');
    const tester = release('flagger-loadtester');
    expect(str(tester, 'spec', 'chart', 'spec', 'chart')).toBe('loadtester');
    // The chart names its Service after the release when the release's name holds the chart's.
    const releaseName = str(tester, 'spec', 'releaseName');
    expect(releaseName).toContain('loadtester');
    const namespace = str(tester, 'spec', 'targetNamespace');
    expect(new RegExp(str(tester, 'spec', 'values', 'cmd', 'namespaceRegexp')).test('api')).toBe(true);
    const hooks = field(canary, 'spec', 'analysis', 'webhooks') as Tree[];
    const load = hooks.filter((h) => h['type'] === 'rollout');
    expect(load).toHaveLength(1);
    expect(load[0]!['url']).toBe(`http://${releaseName}.${namespace}/`);
    const proxy = one('EnvoyProxy', 'api-gateway', 'api');
    const service = str(proxy, 'spec', 'provider', 'kubernetes', 'envoyService', 'name');
    const controllerNs = str(release('envoy-gateway'), 'spec', 'targetNamespace');
    expect(str(load[0], 'metadata', 'cmd')).toMatch(
      new RegExp(`^hey .* http://${service}\\.${controllerNs}/$`),
    );
  });

  it("judges success rate and latency with templates on base's Prometheus, which Flagger also uses", () => {
    const kps = release('kube-prometheus-stack');
    const name = str(kps, 'spec', 'releaseName');
    // kube-prometheus-stack's fullname: the release name when it holds the chart's, cut at 26.
    const fullname = (name.includes('kube-prometheus-stack') ? name : `${name}-kube-prometheus-stack`).slice(
      0,
      26,
    );
    expect(field(kps, 'spec', 'values', 'prometheus', 'service', 'port')).toBeUndefined(); // chart default 9090
    const prometheus = `http://${fullname.replace(/-+$/, '')}-prometheus.${str(kps, 'spec', 'targetNamespace')}:9090`;
    expect(str(release('flagger'), 'spec', 'values', 'metricsServer')).toBe(prometheus);

    const canary = one('Canary', 'api', 'api');
    const metrics = field(canary, 'spec', 'analysis', 'metrics') as Tree[];
    const ranges = metrics.map((m) => Object.keys((m['thresholdRange'] as Tree) ?? {}).join());
    expect(ranges).toEqual(expect.arrayContaining(['min', 'max']));
    for (const m of metrics) {
      const ref = m['templateRef'] as Tree | undefined;
      expect(ref, `metric ${String(m['name'])} uses a template of this profile`).toBeDefined();
      const template = one('MetricTemplate', String(ref!['name']), String(ref!['namespace'] ?? 'api'));
      expect(field(template, 'spec', 'provider')).toEqual({ type: 'prometheus', address: prometheus });
    }
  });

  it("selects only the canary's pods, which the PodMonitor has Prometheus scrape", () => {
    const canary = one('Canary', 'api', 'api');
    const target = str(canary, 'spec', 'targetRef', 'name');
    const deployment = one('Deployment', target, 'api');
    const podLabels = field(deployment, 'spec', 'template', 'metadata', 'labels') as Tree;
    const monitor = one('PodMonitor', 'api', 'api');
    expect(podLabels).toMatchObject(field(monitor, 'spec', 'selector', 'matchLabels') as Tree);
    // Flagger renames only the selector label on the primary; the monitor must not select by it.
    expect(Object.keys(field(monitor, 'spec', 'selector', 'matchLabels') as Tree)).not.toContain(
      'app.kubernetes.io/name',
    );
    const endpoint = field(monitor, 'spec', 'podMetricsEndpoints', 0) as Tree;
    expect(endpoint['port']).toBe(str(canary, 'spec', 'service', 'portName'));

    for (const name of ['api-request-success-rate', 'api-request-duration']) {
      const query = str(one('MetricTemplate', name, 'api'), 'spec', 'query');
      // Only Flagger's template variables, rendered as Flagger would for this Canary.
      expect(query.match(/\{\{\s*(\w+)\s*\}\}/g)?.map((v) => v.replace(/[{} ]/g, ''))).toSatisfy(
        (vars: string[]) => vars.every((v) => ['namespace', 'target', 'interval'].includes(v)),
      );
      const rendered = query
        .replaceAll('{{ namespace }}', 'api')
        .replaceAll('{{ target }}', target)
        .replaceAll('{{ interval }}', '1m');
      expect(rendered).toContain('http_request_duration_seconds');
      const pods = [...rendered.matchAll(/pod=~"([^"]+)"/g)].map((m) => new RegExp(`^${m[1]}$`));
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.test(`${target}-7d9f8b6c5d-x2x7k`), 'a canary pod').toBe(true);
        expect(pod.test(`${target}-primary-7d9f8b6c5d-x2x7k`), 'a primary pod').toBe(false);
      }
      expect(rendered).toMatch(/namespace="api"/);
    }
  });
});
