/**
 * Which chart a HelmRelease names: `spec.chart.spec` (a chart of a HelmRepository), or
 * `spec.chartRef` to an OCIRepository, as charts published only to OCI registries are installed
 * (Envoy Gateway's Flux guide does so). For an OCIRepository the chart is the repository's last
 * path segment (oci://docker.io/envoyproxy/gateway-helm is gateway-helm) and the version its
 * `ref.tag`: the artifact is the chart, pulled at that tag. A ref by digest or semver range, or to
 * a HelmChart, is not implemented here and says so rather than guessing a version.
 */
import { type Api, at, isRecord } from './api.js';

const OCI_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository' };
const HELM_SOURCE_KINDS = ['HelmRepository', 'OCIRepository'];

export type ChartRef =
  | { chart: string; version: string }
  | { reason: 'ArtifactFailed' | 'SandboxNotImplemented'; message: string };

export async function chartOf(api: Api, spec: Record<string, unknown>, namespace: string): Promise<ChartRef> {
  const ref = spec['chartRef'];
  if (ref === undefined) return fromChartSpec(api, spec, namespace);
  const kind = String(at(ref, 'kind') ?? '');
  const name = String(at(ref, 'name') ?? '');
  const refNs = String(at(ref, 'namespace') ?? namespace);
  if (kind !== 'OCIRepository') {
    return {
      reason: 'SandboxNotImplemented',
      message: `sandbox: spec.chartRef to a ${kind || '(no kind)'} is not implemented by the stand-in`,
    };
  }
  const source = await api.get({ ...OCI_REPOSITORY, name, namespace: refNs });
  if (!source) {
    return {
      reason: 'ArtifactFailed',
      message: `sandbox: chart source OCIRepository '${refNs}/${name}' not found`,
    };
  }
  const url = String(at(source, 'spec', 'url') ?? '');
  const tag = at(source, 'spec', 'ref', 'tag');
  const other = isRecord(at(source, 'spec', 'ref')) ? Object.keys(at(source, 'spec', 'ref') as object) : [];
  if (typeof tag !== 'string' || other.some((k) => k !== 'tag')) {
    return {
      reason: 'SandboxNotImplemented',
      message: `sandbox: OCIRepository '${refNs}/${name}' must pin spec.ref.tag alone for the stand-in to know the chart's version`,
    };
  }
  return { chart: url.replace(/\/+$/, '').split('/').pop() ?? '', version: tag };
}

async function fromChartSpec(api: Api, spec: Record<string, unknown>, namespace: string): Promise<ChartRef> {
  const sourceKind = String(at(spec, 'chart', 'spec', 'sourceRef', 'kind') ?? '');
  const sourceName = String(at(spec, 'chart', 'spec', 'sourceRef', 'name') ?? '');
  const sourceNs = String(at(spec, 'chart', 'spec', 'sourceRef', 'namespace') ?? namespace);
  const found =
    HELM_SOURCE_KINDS.includes(sourceKind) &&
    (await api.get({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: sourceKind,
      name: sourceName,
      namespace: sourceNs,
    }));
  if (!found) {
    return {
      reason: 'ArtifactFailed',
      message: `sandbox: chart source ${sourceKind} '${sourceNs}/${sourceName}' not found`,
    };
  }
  return {
    chart: String(at(spec, 'chart', 'spec', 'chart') ?? ''),
    version: String(at(spec, 'chart', 'spec', 'version') ?? ''),
  };
}
