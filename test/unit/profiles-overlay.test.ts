/**
 * The overlay rewriter: in a team's layer overlay gitops owns only the resources entries that
 * point into profiles/, and moves them to the rendered versions by editing the text in place;
 * everything else stays byte for byte, and a file it cannot edit safely is left with a reason.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initialOverlay, profileEntries, rewriteOverlay } from '../../src/integrations/profiles/overlay.js';

const target = (versions: Record<string, string>, layer: 'controllers' | 'apps' = 'apps') => ({
  clusterPath: 'clusters/research',
  layer,
  profiles: Object.entries(versions).map(([name, version]) => ({ name, version })),
});

const V1 = target({ base: '1.0.0', ml: '1.0.0' });
const V2 = target({ base: '1.1.0', ml: '2.0.0' });

const TEAM = `# ML apps of the research cluster; owned by the ml-platform team.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  # the profile's apps (gitops moves these two)
  - ../../../profiles/base/1.0.0/apps
  - ../../../profiles/ml/1.0.0/apps # pinned by gitops
  - extra/notebook-quota.yaml   # ours
patches:
  - path: mlflow-replicas.yaml   # 2 replicas for research
images:
  - name: ghcr.io/mlflow/mlflow
    newTag: "v2.19.1"
`;

describe('layer overlays', () => {
  it('are written once pointing at each profile version of the layer', () => {
    expect(profileEntries(V1)).toEqual([
      '../../../profiles/base/1.0.0/apps',
      '../../../profiles/ml/1.0.0/apps',
    ]);
    const text = initialOverlay(V1);
    expect(parse(text)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: profileEntries(V1),
    });
    expect(text).toMatch(/^# The apps layer of this cluster\. This file is yours/);
    expect(parse(initialOverlay(target({}))).resources).toEqual([]);
    // A cluster folder deeper in the repository gets paths that still reach profiles/.
    expect(profileEntries({ ...V1, clusterPath: 'envs/prod/clusters/a' })[0]).toBe(
      '../../../../../profiles/base/1.0.0/apps',
    );
  });

  it('move only the entries into profiles/, keeping comments, order and the rest byte for byte', () => {
    const r = rewriteOverlay(TEAM, V2);
    expect(r).toEqual({
      status: 'rewritten',
      text: TEAM.replace('base/1.0.0', 'base/1.1.0').replace('ml/1.0.0', 'ml/2.0.0'),
    });
    expect(rewriteOverlay(TEAM, V1)).toEqual({ status: 'unchanged' });
  });

  it('add and drop entries when the chain gains or loses a profile, under the last one of ours', () => {
    const one = rewriteOverlay(TEAM, target({ ml: '2.0.0' }));
    expect(one.status).toBe('rewritten');
    const text = (one as { text: string }).text;
    expect(text).not.toContain('base/');
    expect(text).toContain('  - ../../../profiles/ml/2.0.0/apps\n  - extra/notebook-quota.yaml   # ours\n');
    const three = rewriteOverlay(text, target({ base: '1.1.0', ml: '2.0.0', team: '0.1.0' }));
    expect(parse((three as { text: string }).text).resources).toEqual([
      '../../../profiles/base/1.1.0/apps',
      '../../../profiles/ml/2.0.0/apps',
      '../../../profiles/team/0.1.0/apps',
      'extra/notebook-quota.yaml',
    ]);
    expect((three as { text: string }).text).toContain('# 2 replicas for research');
  });

  it('handle a flow list, a list without entries of ours, and a missing resources', () => {
    const flow = 'kind: Kustomization\nresources: [extra.yaml, ../../../profiles/ml/1.0.0/apps] # flow\n';
    expect(rewriteOverlay(flow, target({ ml: '2.0.0' }))).toEqual({
      status: 'rewritten',
      text: 'kind: Kustomization\nresources: [extra.yaml, ../../../profiles/ml/2.0.0/apps] # flow\n',
    });
    const empty = 'kind: Kustomization\nresources: []\n';
    expect((rewriteOverlay(empty, target({ ml: '2.0.0' })) as { text: string }).text).toBe(
      'kind: Kustomization\nresources: [../../../profiles/ml/2.0.0/apps]\n',
    );
    const teamOnly = 'kind: Kustomization\nresources:\n  - mine.yaml\n';
    expect((rewriteOverlay(teamOnly, target({ ml: '2.0.0' })) as { text: string }).text).toBe(
      'kind: Kustomization\nresources:\n  - ../../../profiles/ml/2.0.0/apps\n  - mine.yaml\n',
    );
    expect((rewriteOverlay('kind: Kustomization\n', target({ ml: '2.0.0' })) as { text: string }).text).toBe(
      'kind: Kustomization\nresources:\n  - ../../../profiles/ml/2.0.0/apps\n',
    );
  });

  it('leave a file they cannot edit safely, saying why', () => {
    const unsafe = (text: string) => rewriteOverlay(text, V2);
    expect(unsafe('resources: [unclosed\n')).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/YAML reader refused it \(apps\/kustomization\.yaml:\d+: invalid YAML/),
    });
    expect(unsafe('- a\n- b\n')).toEqual({ status: 'unsafe', reason: 'it is not a YAML mapping' });
    expect(unsafe('resources: ../../../profiles/ml/1.0.0/apps\n')).toEqual({
      status: 'unsafe',
      reason: 'its resources is not a list',
    });
    expect(unsafe('resources:\n  - {path: x}\n')).toMatchObject({
      reason: 'an entry of its resources is not a plain path',
    });
    // A team that picked one file of the profile made a choice gitops must not undo.
    expect(unsafe('resources:\n  - ../../../profiles/ml/1.0.0/apps/mlflow.yaml\n')).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/points into profiles\/ but not at a whole apps folder/),
    });
    expect(unsafe('resources:\n  - ../../../profiles/ml/1.0.0/configs\n')).toMatchObject({
      status: 'unsafe',
    });
    expect(unsafe('kind: Kustomization\n---\nkind: Other\n')).toMatchObject({ status: 'unsafe' });
  });
});
