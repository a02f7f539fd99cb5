// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flux's variables are ${name} on purpose
/**
 * Flux's post-build substitution as gitops models it: the variable syntax, how Go's YAML 1.1
 * reader reads back what it substituted, the layer files that wire it up, and `desired()`
 * following the layers with each one's substitution (what `gitops diff` compares).
 */
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { references, SubstitutionError, substitute, variableValue } from '../../src/primitives/envsubst.js';
import { readPlain, readScalar, stringScalar, writtenPlain } from '../../src/primitives/yaml11.js';
import { fluxLayerFiles } from '../../src/integrations/reconciler/flux/layers.js';
import { postBuildVariables, substituteObject } from '../../src/integrations/reconciler/flux/postbuild.js';
import { layersOf } from '../../src/integrations/reconciler/flux/health.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';

const vars = new Map([
  ['cluster', 'research'],
  ['replicas', '3'],
  ['enabled', 'true'],
  ['tag', '2024-12-09'],
  ['quote', '"'],
  ['version', '1.10'],
]);
const sub = (text: string) => substitute(text, (ref) => variableValue(ref, vars));

describe("Flux's variable syntax", () => {
  it('replaces ${name}, gives defaults, and reads $$ as a literal $', () => {
    expect(sub('${cluster}-x')).toBe('research-x');
    expect(sub('${missing}')).toBe('');
    expect(sub('${missing:=d} ${missing:-e} ${cluster:=no} ${missing=f}')).toBe('d e research f');
    expect(sub('$${cluster} $$5 $HOME')).toBe('${cluster} $5 $HOME');
    expect(references('a ${x} b ${y:-z}').map((r) => r.name)).toEqual(['x', 'y']);
    expect(() => references('${{ secrets.X }}')).toThrow(SubstitutionError);
    expect(() => references('${open')).toThrow(/no closing/);
    expect(() => references('${a/b/c}')).toThrow(/not a variable reference/);
  });
});

describe("Go's YAML 1.1 reader", () => {
  it('reads plain scalars as yaml.v2 does (timestamps stay strings)', () => {
    const cases: [string, unknown][] = [
      ['research', 'research'],
      ['yes', true],
      ['Off', false],
      ['y', true],
      ['~', null],
      ['3', 3],
      ['0x1F', 31],
      ['0o17', 15],
      ['017', 15],
      ['1_000', 1000],
      ['1.10', 1.1],
      ['.5', 0.5],
      ['1e3', 1000],
      ['2024-12-09', '2024-12-09'],
      ['v1.10', 'v1.10'],
      ['a: b', undefined],
      ['a #b', undefined],
      ['*x', undefined],
    ];
    for (const [text, value] of cases) expect(readPlain(text), text).toEqual(value);
    expect(Number.isNaN(readPlain('1:20'))).toBe(true);
    expect(readScalar('"1.10"')).toBe('1.10');
    expect(readScalar('"a"b"')).toBeUndefined();
    expect(readScalar("'it''s'")).toBe("it's");
  });

  it('writes strings so that reader reads them back unchanged', () => {
    expect(writtenPlain('api.example.com')).toBe(true);
    expect(writtenPlain('yes')).toBe(false);
    for (const s of ['yes', '0o17', '1.10', '', ' x', 'a: b', '"', 'plain'])
      expect(readScalar(stringScalar(s))).toBe(s);
  });
});

describe('the layer files', () => {
  const files = fluxLayerFiles({
    layers: [
      { name: 'controllers', path: 'clusters/research/controllers' },
      { name: 'configs', path: 'clusters/research/configs' },
      { name: 'apps', path: 'clusters/research/apps' },
    ],
    values: {
      data: { cluster: 'research', flag: 'yes', mode: '0755', quote: '"' },
      profile: { name: 'ml', version: '1.0.0' },
    },
  });

  it('chain the layers: each depends on the one before, waits, prunes and substitutes from the values', () => {
    const syncs = parseAllDocuments(files['layers.yaml']!).map((d) => d.toJS() as KubeObject);
    expect(syncs.map((k) => [k.metadata.name, (k['spec'] as { dependsOn?: unknown }).dependsOn])).toEqual([
      ['controllers', undefined],
      ['configs', [{ name: 'controllers' }]],
      ['apps', [{ name: 'configs' }]],
    ]);
    expect(syncs[2]!['spec']).toMatchObject({
      path: './clusters/research/apps',
      prune: true,
      wait: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'gitops-values' }] },
    });
    expect(parse(files['kustomization.yaml']!).resources).toEqual([
      'flux-system',
      'values.yaml',
      'layers.yaml',
    ]);
  });

  it('keep every value a string for a YAML 1.1 reader, and record the profile version', () => {
    const text = files['values.yaml']!;
    expect(text).toContain('  flag: "yes"\n  mode: "0755"\n  quote: "\\""\n');
    const cm = parse(text, { version: '1.1' });
    expect(cm.data).toEqual({ cluster: 'research', flag: 'yes', mode: '0755', quote: '"' });
    expect(cm.metadata.annotations).toEqual({
      'gitops.dev/profile': 'ml',
      'gitops.dev/profile-version': '1.0.0',
    });
  });
});

describe("desired(): a layer's post-build substitution", () => {
  const layer: KubeObject = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'flux-system' },
    spec: {
      postBuild: {
        substituteFrom: [{ kind: 'ConfigMap', name: 'gitops-values' }],
        substitute: { extra: 'x\ny' },
      },
    },
  };
  const values: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'gitops-values', namespace: 'flux-system' },
    data: Object.fromEntries(vars),
  };

  it('takes the variables from the values ConfigMap in the same checkout, then substitute', () => {
    const v = postBuildVariables(layer, [values])!;
    expect(v.get('cluster')).toBe('research');
    expect(v.get('extra')).toBe('xy');
    expect(() => postBuildVariables(layer, [])).toThrow(
      /ConfigMap\/gitops-values is not in the fleet repository/,
    );
    expect(postBuildVariables({ ...layer, spec: {} }, [values])).toBeUndefined();
  });

  it('reads substituted scalars as Flux does: typed when alone and plain, strings otherwise', () => {
    const obj: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: '${cluster}-api', namespace: 'apps' },
      spec: {
        replicas: '${replicas}',
        paused: '${enabled}',
        tag: '${tag}',
        quoted: '${quote}${version}${quote}',
        bare: '${version}',
        text: 'cluster ${cluster}: ${replicas}',
        literal: '$${cluster}',
      },
    };
    expect(substituteObject(obj, vars)).toEqual({
      ...obj,
      metadata: { name: 'research-api', namespace: 'apps' },
      spec: {
        replicas: 3,
        paused: true,
        tag: '2024-12-09',
        quoted: '1.10',
        bare: 1.1,
        text: 'cluster research: 3',
        literal: '${cluster}',
      },
    });
    const off = {
      ...obj,
      metadata: { ...obj.metadata, labels: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } },
    };
    expect(substituteObject(off, vars)).toBe(off);
  });
});

describe('layer health', () => {
  it('orders the layers the root applied by their dependencies', () => {
    const k = (name: string, deps: string[] = [], appliedBy = 'flux-system') => ({
      kind: 'Kustomization' as const,
      name,
      namespace: 'flux-system',
      ready: name !== 'apps',
      suspended: false,
      reason: name === 'apps' ? 'DependencyNotReady' : 'ok',
      appliedBy,
      dependsOn: deps,
      lastAppliedRevision: `main@sha1:${'a'.repeat(40)}`,
    });
    const layers = layersOf([
      k('flux-system', [], 'flux-system'),
      k('apps', ['configs']),
      k('configs', ['controllers']),
      k('controllers'),
      k('other', [], 'x'),
    ]);
    expect(layers.map((l) => [l.name, l.ready, l.appliedRevision])).toEqual([
      ['controllers', true, 'a'.repeat(40)],
      ['configs', true, 'a'.repeat(40)],
      ['apps', false, 'a'.repeat(40)],
    ]);
  });
});
