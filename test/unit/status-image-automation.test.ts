/**
 * Image automation in `gitops status`: each object's own readiness as Flux's controllers write it
 * (Ready condition for the current generation, the message when not ready, a policy's chosen
 * image), and how the screen shows it. The JSON and the problems are checked end to end in
 * test/e2e/image-automation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { imageAutomationLines, renderStatus } from '../../src/cli/render/status.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { imageObjectHealth } from '../../src/integrations/reconciler/flux/image-automation-health.js';
import { createStyle } from '../../src/io/style.js';
import { healthyStatus } from './status-doc.js';

const API = 'image.toolkit.fluxcd.io/v1';

function image(
  kind: string,
  name: string,
  ready: { status: string; reason: string; message: string; observedGeneration?: number } | undefined,
  extra: { generation?: number; suspend?: boolean; status?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: API,
    kind,
    metadata: { name, namespace: 'flux-system', generation: extra.generation ?? 1 },
    spec: extra.suspend ? { suspend: true } : {},
    status: {
      ...extra.status,
      ...(ready
        ? { conditions: [{ type: 'Ready', observedGeneration: 1, lastTransitionTime: 'x', ...ready }] }
        : {}),
    },
  };
}

const DENIED =
  'AccessDeniedException: arn:aws:iam::123456789012:role/x is not authorized to perform ecr:ListImages on repository research/api';

describe('image automation objects in status', () => {
  it("reads each object's Ready condition, its message when failing, and a policy's chosen image", () => {
    const policy = imageObjectHealth(
      image(
        'ImagePolicy',
        'research-api',
        {
          status: 'True',
          reason: 'Succeeded',
          message: 'Latest image tag resolved to main-1700000200-bbbbbbb',
        },
        { status: { latestRef: { name: 'r.example/research/api', tag: 'main-1700000200-bbbbbbb' } } },
      ),
    );
    expect(policy).toEqual({
      kind: 'ImagePolicy',
      name: 'research-api',
      namespace: 'flux-system',
      ready: true,
      suspended: false,
      reason: 'Succeeded: Latest image tag resolved to main-1700000200-bbbbbbb',
      latestImage: 'r.example/research/api:main-1700000200-bbbbbbb',
    });
    const repo = imageObjectHealth(
      image('ImageRepository', 'research-api', {
        status: 'False',
        reason: 'AuthenticationFailed',
        message: DENIED,
      }),
    );
    expect(repo.ready).toBe(false);
    expect(repo.reason).toContain(DENIED);
    // A condition for an older generation says nothing about the current spec.
    const stale = imageObjectHealth(
      image(
        'ImageUpdateAutomation',
        'gitops-image-updates',
        { status: 'True', reason: 'Succeeded', message: 'repository up-to-date' },
        { generation: 2 },
      ),
    );
    expect(stale.ready).toBe(false);
    expect(stale.reason).toBe('status is for generation 1, the object is at generation 2');
    expect(imageObjectHealth(image('ImagePolicy', 'new', undefined)).ready).toBe(false);
  });

  it('shows every object with its state on screen, and the failing one with its message', () => {
    const objects = [
      {
        kind: 'ImageRepository',
        name: 'research-api',
        namespace: 'flux-system',
        ready: false,
        suspended: false,
        reason: `Ready=False: AuthenticationFailed: ${DENIED}`,
      },
      {
        kind: 'ImagePolicy',
        name: 'research-api',
        namespace: 'flux-system',
        ready: true,
        suspended: false,
        reason: 'Succeeded: resolved',
        latestImage: 'r.example/research/api:main-1700000200-bbbbbbb',
      },
      {
        kind: 'ImageUpdateAutomation',
        name: 'gitops-image-updates',
        namespace: 'flux-system',
        ready: false,
        suspended: true,
        reason: 'suspended',
      },
    ];
    const lines = imageAutomationLines(objects, createStyle(false)).join('\n').split('\n');
    expect(lines[0]).toBe('✖ images      2/3 image automation objects ready');
    expect(lines.find((l) => l.includes('ImageRepository'))).toMatch(
      /^ {2}ImageRepository flux-system\/research-api +no +Ready=False: AuthenticationFailed: AccessDeniedException: .* ecr:ListImages on repository research\/api$/,
    );
    expect(lines.find((l) => l.includes('ImagePolicy'))).toMatch(
      / yes +r\.example\/research\/api:main-1700000200-bbbbbbb$/,
    );
    expect(lines.find((l) => l.includes('ImageUpdateAutomation'))).toMatch(/ suspended +suspended$/);
    const fine = imageAutomationLines([objects[1]!], createStyle(false));
    expect(fine[0]).toBe('✔ images      1/1 image automation objects ready');
  });

  it('the screen has no image automation section for a cluster without it', () => {
    const doc = healthyStatus();
    expect(renderStatus(doc, createStyle(false))).not.toContain('image automation');
    const withOne = renderStatus(
      {
        ...doc,
        imageAutomation: [
          {
            kind: 'ImagePolicy',
            name: 'p',
            namespace: 'flux-system',
            ready: true,
            suspended: false,
            reason: 'ok',
          },
        ],
      },
      createStyle(false),
    );
    expect(withOne).toContain('✔ images      1/1 image automation objects ready');
  });
});
