/**
 * What the stand-in knows of the charts our profiles install: which CRDs each chart version
 * provides, and whether they come from the chart's crds/ folder (installed unless the release
 * says `crds: Skip`) or from templates behind a values switch. Charts cannot be fetched here, so
 * this table is the stand-in's knowledge, kept by hand from the charts' sources at these
 * versions; a chart or version missing from it is refused, never guessed.
 *
 * Why a table and not the alternatives: the kubernetes-models packages have JSON schemas but not
 * the CRDs themselves (no plural, no scope), and have none for Flagger or KServe; CRD lists
 * declared by profiles would put sandbox knowledge into the product's profiles. Schemas: the real
 * ones where the project keeps a copy (Flagger v1.38.0; PodMonitor of kube-prometheus-stack
 * 66.2.1; GatewayClass, Gateway, HTTPRoute and EnvoyProxy of Envoy Gateway v1.9.0, each without
 * what 1.20 cannot store: CEL rules, empty defaults; see each file's header), elsewhere a
 * permissive schema, and the release's stood-in annotation says how many of each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../kube/testenv.js';
import { at, isRecord, type Obj } from './api.js';

export interface CrdFact {
  group: string;
  kind: string;
  plural: string;
  /** Served versions, the storage one first. */
  versions: string[];
  cluster?: boolean;
}

export interface ChartFacts {
  chart: string;
  version: string;
  crds: CrdFact[];
  /** crds/: installed per install.crds; templates: always, or only when `valuesSwitch` is true. */
  from: 'crds-dir' | 'templates' | 'none';
  valuesSwitch?: string[];
  /** crds/ of a subchart: installed unless this value (the subchart's condition) is false. */
  condition?: string[];
  /**
   * A file (.yaml, or .yaml.gz) of the chart's real CRDs the project keeps, for the kinds it has;
   * the others get permissive schemas.
   */
  realCrds?: string;
  /** What the chart's workloads would do that the sandbox therefore cannot show (for status). */
  unshown?: string;
}

const ns = (group: string, kind: string, plural: string, ...versions: string[]): CrdFact => ({
  group,
  kind,
  plural,
  versions,
});
const cl = (group: string, kind: string, plural: string, ...versions: string[]): CrdFact => ({
  ...ns(group, kind, plural, ...versions),
  cluster: true,
});

const MON = 'monitoring.coreos.com';
const KS = 'serving.kserve.io';
const GW = 'gateway.networking.k8s.io';
const GWX = 'gateway.networking.x-k8s.io';
const EG = 'gateway.envoyproxy.io';
const FIXTURES = join(REPO_ROOT, 'test', 'integration', 'profiles-fixtures');

export const CHARTS: readonly ChartFacts[] = [
  { chart: 'metrics-server', version: '3.12.2', crds: [], from: 'none' },
  { chart: 'cluster-autoscaler', version: '9.43.2', crds: [], from: 'none' },
  {
    chart: 'aws-load-balancer-controller',
    version: '1.10.1',
    from: 'crds-dir',
    crds: [
      cl('elbv2.k8s.aws', 'IngressClassParams', 'ingressclassparams', 'v1beta1'),
      ns('elbv2.k8s.aws', 'TargetGroupBinding', 'targetgroupbindings', 'v1beta1', 'v1alpha1'),
    ],
  },
  {
    chart: 'cert-manager',
    version: 'v1.16.2',
    from: 'templates',
    valuesSwitch: ['crds', 'enabled'],
    crds: [
      ns('cert-manager.io', 'Certificate', 'certificates', 'v1'),
      ns('cert-manager.io', 'CertificateRequest', 'certificaterequests', 'v1'),
      ns('cert-manager.io', 'Issuer', 'issuers', 'v1'),
      cl('cert-manager.io', 'ClusterIssuer', 'clusterissuers', 'v1'),
      ns('acme.cert-manager.io', 'Order', 'orders', 'v1'),
      ns('acme.cert-manager.io', 'Challenge', 'challenges', 'v1'),
    ],
  },
  {
    chart: 'kube-prometheus-stack',
    version: '66.2.1',
    from: 'crds-dir',
    // PodMonitor's real schema (mobile scrapes its API with one, ml its sample model); the other kinds
    // are permissive.
    realCrds: join(FIXTURES, 'prometheus-operator-v0.78.1-podmonitors.yaml'),
    crds: [
      ns(MON, 'Alertmanager', 'alertmanagers', 'v1'),
      ns(MON, 'AlertmanagerConfig', 'alertmanagerconfigs', 'v1alpha1'),
      ns(MON, 'PodMonitor', 'podmonitors', 'v1'),
      ns(MON, 'Probe', 'probes', 'v1'),
      ns(MON, 'Prometheus', 'prometheuses', 'v1'),
      ns(MON, 'PrometheusAgent', 'prometheusagents', 'v1alpha1'),
      ns(MON, 'PrometheusRule', 'prometheusrules', 'v1'),
      ns(MON, 'ScrapeConfig', 'scrapeconfigs', 'v1alpha1'),
      ns(MON, 'ServiceMonitor', 'servicemonitors', 'v1'),
      ns(MON, 'ThanosRuler', 'thanosrulers', 'v1'),
    ],
  },
  {
    chart: 'flagger',
    version: '1.38.0',
    from: 'crds-dir',
    realCrds: join(FIXTURES, 'flagger-v1.38.0-crds.yaml'),
    unshown: 'no canary is analysed, promoted or rolled back',
    crds: [
      ns('flagger.app', 'Canary', 'canaries', 'v1beta1'),
      ns('flagger.app', 'MetricTemplate', 'metrictemplates', 'v1beta1'),
      ns('flagger.app', 'AlertProvider', 'alertproviders', 'v1beta1'),
    ],
  },
  // Flagger's load tester (same chart repository); no CRDs.
  {
    chart: 'loadtester',
    version: '0.33.0',
    crds: [],
    from: 'none',
    unshown: 'no load is sent during an analysis',
  },
  {
    // Envoy Gateway, from oci://docker.io/envoyproxy/gateway-helm: its CRDs (Gateway API v1.6.1,
    // experimental channel, and Envoy Gateway's) are in the crds/ folder of its subchart `crds`,
    // enabled by crds.enabled (default true).
    chart: 'gateway-helm',
    version: 'v1.9.0',
    from: 'crds-dir',
    condition: ['crds', 'enabled'],
    realCrds: join(FIXTURES, 'envoy-gateway-v1.9.0-crds.yaml.gz'),
    unshown: 'no Envoy proxy runs, so no Gateway routes traffic and no canary weight shifts it',
    crds: [
      ns(EG, 'Backend', 'backends', 'v1alpha1'),
      ns(EG, 'BackendTrafficPolicy', 'backendtrafficpolicies', 'v1alpha1'),
      ns(EG, 'ClientTrafficPolicy', 'clienttrafficpolicies', 'v1alpha1'),
      ns(EG, 'EnvoyExtensionPolicy', 'envoyextensionpolicies', 'v1alpha1'),
      ns(EG, 'EnvoyPatchPolicy', 'envoypatchpolicies', 'v1alpha1'),
      ns(EG, 'EnvoyProxy', 'envoyproxies', 'v1alpha1'),
      ns(EG, 'HTTPRouteFilter', 'httproutefilters', 'v1alpha1'),
      ns(EG, 'SecurityPolicy', 'securitypolicies', 'v1alpha1'),
      ns(GW, 'BackendTLSPolicy', 'backendtlspolicies', 'v1', 'v1alpha3'),
      cl(GW, 'GatewayClass', 'gatewayclasses', 'v1', 'v1beta1'),
      ns(GW, 'Gateway', 'gateways', 'v1', 'v1beta1'),
      ns(GW, 'GRPCRoute', 'grpcroutes', 'v1'),
      ns(GW, 'HTTPRoute', 'httproutes', 'v1', 'v1beta1'),
      ns(GW, 'ListenerSet', 'listenersets', 'v1'),
      ns(GW, 'ReferenceGrant', 'referencegrants', 'v1beta1', 'v1'),
      ns(GW, 'TCPRoute', 'tcproutes', 'v1', 'v1alpha2'),
      ns(GW, 'TLSRoute', 'tlsroutes', 'v1', 'v1alpha2', 'v1alpha3'),
      ns(GW, 'UDPRoute', 'udproutes', 'v1', 'v1alpha2'),
      ns(GWX, 'XBackend', 'xbackends', 'v1alpha1'),
      ns(GWX, 'XBackendTrafficPolicy', 'xbackendtrafficpolicies', 'v1alpha1'),
      cl(GWX, 'XMesh', 'xmeshes', 'v1alpha1'),
    ],
  },
  { chart: 'nvidia-device-plugin', version: '0.17.1', crds: [], from: 'none' },
  { chart: 'jupyterhub', version: '4.0.0', crds: [], from: 'none' },
  {
    chart: 'kserve-crd',
    version: 'v0.15.2',
    from: 'templates',
    crds: [
      ns(KS, 'InferenceService', 'inferenceservices', 'v1beta1'),
      ns(KS, 'InferenceGraph', 'inferencegraphs', 'v1alpha1'),
      ns(KS, 'TrainedModel', 'trainedmodels', 'v1alpha1'),
      ns(KS, 'ServingRuntime', 'servingruntimes', 'v1alpha1'),
      cl(KS, 'ClusterServingRuntime', 'clusterservingruntimes', 'v1alpha1'),
      cl(KS, 'ClusterStorageContainer', 'clusterstoragecontainers', 'v1alpha1'),
      cl(KS, 'LocalModelCache', 'localmodelcaches', 'v1alpha1'),
      cl(KS, 'LocalModelNodeGroup', 'localmodelnodegroups', 'v1alpha1'),
    ],
  },
  // The controller chart; its CRDs come from kserve-crd (the profile installs both).
  { chart: 'kserve', version: 'v0.15.2', crds: [], from: 'none' },
  {
    chart: 'external-dns',
    version: '1.15.0',
    from: 'templates',
    valuesSwitch: ['crd', 'create'],
    crds: [ns('externaldns.k8s.io', 'DNSEndpoint', 'dnsendpoints', 'v1alpha1')],
  },
];

export function chartFacts(chart: string, version: string): ChartFacts | undefined {
  return CHARTS.find((c) => c.chart === chart && c.version === version);
}

/** The CRDs a release would install, given its values and its install.crds policy. */
export function crdsToInstall(facts: ChartFacts, values: unknown, crdsPolicy: string): CrdFact[] {
  if (facts.from === 'none') return [];
  if (facts.from === 'crds-dir') {
    if (facts.condition && at(values, ...facts.condition) === false) return [];
    return crdsPolicy === 'Skip' ? [] : facts.crds;
  }
  if (!facts.valuesSwitch) return facts.crds;
  return at(values, ...facts.valuesSwitch) === true ? facts.crds : [];
}

/** Whether the project keeps the chart's own CRD for this fact. */
export function hasRealCrd(facts: ChartFacts, fact: CrdFact): boolean {
  return facts.realCrds !== undefined && realCrdsOf(facts.realCrds).has(`${fact.plural}.${fact.group}`);
}

/** The CRD object for a fact: the chart's own when the project keeps it, else permissive. */
export function crdObject(facts: ChartFacts, fact: CrdFact): Obj {
  const name = `${fact.plural}.${fact.group}`;
  if (facts.realCrds) {
    const real = realCrdsOf(facts.realCrds).get(name);
    if (real) return structuredClone(real);
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: fact.group,
      scope: fact.cluster ? 'Cluster' : 'Namespaced',
      names: {
        kind: fact.kind,
        listKind: `${fact.kind}List`,
        plural: fact.plural,
        singular: fact.kind.toLowerCase(),
      },
      versions: fact.versions.map((v, i) => ({
        name: v,
        served: true,
        storage: i === 0,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      })),
    },
  };
}

const parsed = new Map<string, Map<string, Obj>>();

/** The CRDs of a kept file by name, parsed once (the Envoy Gateway file is large). */
function realCrdsOf(file: string): Map<string, Obj> {
  let byName = parsed.get(file);
  if (!byName) {
    byName = new Map();
    for (const doc of parseAllDocuments(readCrdFile(file))) {
      const o: unknown = doc.toJS();
      const name = at(o, 'metadata', 'name');
      if (isRecord(o) && typeof name === 'string') byName.set(name, o as Obj);
    }
    parsed.set(file, byName);
  }
  return byName;
}

/** A kept CRD file's text; `.gz` ones are gzipped (Envoy Gateway's schemas are large). */
export function readCrdFile(file: string): string {
  const bytes = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}
