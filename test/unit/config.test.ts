import { describe, expect, it } from 'vitest';
import { buildClusterSpec } from '../../src/spec/from-flags.js';
import { parseYamlText } from '../../src/primitives/yaml.js';

const base = [
  'name: research',
  'region: us-west-2',
  'profile: { source: ml }',
  'fleet: { url: "file:///tmp/f.git" }',
];

function fromYaml(lines: string[]) {
  return buildClusterSpec({ file: parseYamlText(lines.join('\n'), 'gitops.yaml'), flags: {} });
}

describe('cluster spec', () => {
  it('fills defaults', () => {
    const spec = fromYaml(base);
    // No version asked: the bootstrap use case takes EKS's default (DescribeClusterVersions).
    expect(spec.kubernetesVersion).toBeUndefined();
    expect(spec.fleet.branch).toBe('main');
    expect(spec.network).toMatchObject({ vpcCidr: '10.0.0.0/16', natGateways: 'single' });
  });

  it('lets flags override the file', () => {
    const spec = buildClusterSpec({
      file: parseYamlText(base.join('\n'), 'gitops.yaml'),
      flags: { cluster: 'other', region: 'eu-west-1', gitBranch: 'prod' },
    });
    expect(spec).toMatchObject({ name: 'other', region: 'eu-west-1', fleet: { branch: 'prod' } });
  });

  it.each([
    [
      ['nodeGroups:', '  - { name: a, instanceTypes: [], minSize: 1, desiredSize: 1, maxSize: 1 }'],
      /gitops\.yaml: nodeGroups\[0\]\.instanceTypes: expected a non-empty list \(line 6\)/,
    ],
    [
      ['nodeGroups:', '  - { name: a, instanceTypes: [m5.large], minSize: 3, desiredSize: 1, maxSize: 5 }'],
      /nodeGroups\[0\]\.desiredSize: must be >= minSize \(3\)/,
    ],
    [
      ['nodeGroups:', '  - { name: a, instanceTypes: [m5.large], minSize: 1, desiredSize: 6, maxSize: 5 }'],
      /nodeGroups\[0\]\.maxSize: must be >= desiredSize \(6\)/,
    ],
    [['kubernetesVersion: 1.3'], /kubernetesVersion: expected string, got number/],
    [['surprise: 1'], /gitops\.yaml: surprise: unknown field/],
    [['network: { natGateways: many }'], /network\.natGateways:/],
  ])('rejects bad fields with the YAML path (%#)', (extra, message) => {
    expect(() => fromYaml([...base, ...extra])).toThrow(message);
  });

  it('rejects a cluster name EKS would refuse, naming the field', () => {
    expect(() => fromYaml(['name: "-bad"', ...base.slice(1)])).toThrow(
      /gitops\.yaml: name: must start with a letter or digit/,
    );
    expect(() => fromYaml([`name: ${'a'.repeat(101)}`, ...base.slice(1)])).toThrow(
      /name: must be at most 100 characters/,
    );
  });

  it('names the flag when a required value is missing and there is no file', () => {
    expect(() => buildClusterSpec({ flags: { cluster: 'c', region: 'us-west-2', profile: 'ml' } })).toThrow(
      /--git-url: is required/,
    );
  });

  it('refuses duplicate keys, several documents and alias bombs', () => {
    expect(() => parseYamlText('a: 1\na: 2\n', 'x.yaml')).toThrow(/x\.yaml:2: invalid YAML: duplicate key/);
    expect(() => parseYamlText('a: 1\n---\nb: 2\n', 'x.yaml')).toThrow(/expected one document/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(() => parseYamlText(bomb, 'x.yaml')).toThrow(/alias/);
  });
});
