/**
 * Alerts end to end: bootstrap with --alerts generic stores the address from the environment as
 * a Secret (never in Git or output), puts a Provider and Alerts in the cluster folder, and the
 * sandbox's stand-in for notification-controller posts Flux's events to a receiver in this test:
 * a broken push gives an error alert (and status exit 3), a live edit the sync reverts gives an
 * info alert naming the object it put back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { TINY_PROFILE } from '../reliability/support.js';
import {
  admin,
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  eventually,
  gitops,
  pushAsSomeoneElse,
} from './helpers.js';

const CLUSTER = 'e2e-alerts';
const NS = `tiny-${CLUSTER}`;

interface Received {
  headers: Record<string, string | string[] | undefined>;
  event: {
    involvedObject: { kind: string; name: string; namespace: string };
    severity: string;
    reason: string;
    message: string;
    metadata?: Record<string, string>;
    reportingController: string;
    timestamp: string;
  };
}

// The minimal Flux-shaped bundle the sandbox serves without ../shared has no notification or image
// automation CRDs: without Flux's real components this file is skipped, and its title says why.
describe.skipIf(sandboxFluxBundle().kind === 'mini')(
  'alerts: failures and drift corrections reach the provider (needs ../shared/fixtures/flux-v2.9.3)',
  () => {
    const received: Received[] = [];
    let server: Server;
    let address = '';
    let fleet: { url: string; dir: string };
    let kube: KubeClient;

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          received.push({ headers: req.headers, event: JSON.parse(body) as Received['event'] });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      // The path stands for the secret part of a real webhook URL.
      address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/s3cr3t-${Date.now()}`;
      fleet = await createFleetRepo(CLUSTER);
      kube = await admin();
    });

    afterAll(async () => {
      kube?.close();
      await new Promise((r) => server.close(r));
    });

    const args = () => bootstrapArgs(CLUSTER, TINY_PROFILE, fleet.url, ['--alerts', 'generic']);

    it('refuses --alerts without GITOPS_ALERTS_ADDRESS in one line (exit 2), before anything is created', async () => {
      const run = await gitops(args(), { env: { GITOPS_ALERTS_ADDRESS: '' } });
      expect(run.code).toBe(2);
      // One line, and at most one hint; no stack trace.
      const lines = run.stderr.trim().split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
      expect(run.stderr).toMatch(/--alerts generic: GITOPS_ALERTS_ADDRESS is not set/);
      expect(await commitCount(fleet.dir)).toBe(0);
    });

    it('bootstraps with the address in the cluster only: not in Git, output or status', async () => {
      const boot = await gitops(args(), { env: { GITOPS_ALERTS_ADDRESS: address } });
      expect(boot.code, boot.stderr + boot.stdout).toBe(0);
      expect(boot.stdout + boot.stderr).not.toContain('s3cr3t');

      const history = await simpleGit(fleet.dir).raw(['log', '-p', '--all']);
      expect(history).not.toContain('s3cr3t');
      expect(history).toMatch(/kind: Provider[\s\S]*type: generic[\s\S]*name: gitops-alerts/);

      const secret = await kube.get({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'gitops-alerts',
        namespace: 'flux-system',
      });
      expect(
        Buffer.from(
          String((secret?.data as Record<string, string> | undefined)?.['address']),
          'base64',
        ).toString(),
      ).toBe(address);

      const status = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
      expect(status.code, status.stdout).toBe(0);
      expect(status.stdout).not.toContain('s3cr3t');
      expect(JSON.parse(status.stdout).alerts).toEqual(
        expect.objectContaining({ provider: 'generic', ready: true }),
      );
      const text = await gitops(['status', '--cluster', CLUSTER]);
      expect(text.stdout).toMatch(/alerts\s+to generic/);
    });

    it('a broken push produces an error alert with the revision, and status exits 3', async () => {
      const head = await pushAsSomeoneElse(
        fleet.url,
        'add an object of a kind nobody serves',
        async (dir) => {
          const folder = join(dir, 'clusters', CLUSTER, 'apps');
          await writeFile(
            join(folder, 'widget.yaml'),
            `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: ${NS}\n`,
          );
          const k = await readFile(join(folder, 'kustomization.yaml'), 'utf8');
          await writeFile(join(folder, 'kustomization.yaml'), `${k}  - widget.yaml\n`);
        },
      );
      const errorAlert = () =>
        received.find(
          (r) =>
            r.event.severity === 'error' &&
            r.event.involvedObject.kind === 'Kustomization' &&
            r.event.involvedObject.name === 'apps' &&
            Object.values(r.event.metadata ?? {}).some((v) => v.endsWith(head)),
        );
      expect(await eventually(async () => errorAlert() !== undefined, 90_000, 250)).toBe(true);
      const alert = errorAlert()!;
      expect(alert.event).toEqual(
        expect.objectContaining({
          reason: 'ReconciliationFailed',
          reportingController: 'kustomize-controller',
          message: expect.stringMatching(/Widget/),
          metadata: expect.objectContaining({
            'kustomize.toolkit.fluxcd.io/revision': expect.stringContaining(head),
            cluster: CLUSTER,
          }),
        }),
      );
      expect(alert.event.involvedObject.namespace).toBe('flux-system');
      expect(alert.headers['content-type']).toBe('application/json');
      expect(alert.headers['gotk-component']).toBe('kustomize-controller');

      const status = await gitops(['-o', 'json', 'status', '--cluster', CLUSTER]);
      expect(status.code).toBe(3);

      await pushAsSomeoneElse(fleet.url, 'drop the widget', async (dir) => {
        const folder = join(dir, 'clusters', CLUSTER, 'apps');
        const k = await readFile(join(folder, 'kustomization.yaml'), 'utf8');
        await writeFile(join(folder, 'kustomization.yaml'), k.replace('  - widget.yaml\n', ''));
      });
      expect(
        await eventually(
          async () => (await gitops(['status', '--cluster', CLUSTER])).code === 0,
          90_000,
          500,
        ),
      ).toBe(true);
    });

    it('a live edit the sync reverts produces a drift alert naming the object', async () => {
      const web = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: NS };
      const info = await kube.discovery.resolve(web.apiVersion, web.kind);
      await kube.applyRaw(
        info,
        {
          apiVersion: web.apiVersion,
          kind: web.kind,
          metadata: { name: web.name, namespace: NS },
          spec: { replicas: 4 },
        },
        { fieldManager: 'kubectl-edit', force: true },
      );
      const before = received.length;
      // What `flux reconcile kustomization apps` does: ask for a reconcile now, not at the interval.
      const ks = await kube.discovery.resolve('kustomize.toolkit.fluxcd.io/v1', 'Kustomization');
      await kube.applyRaw(
        ks,
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: {
            name: 'apps',
            namespace: 'flux-system',
            annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() },
          },
        },
        { fieldManager: 'e2e-test', force: true },
      );
      const drift = () =>
        received
          .slice(before)
          .find(
            (r) => r.event.severity === 'info' && r.event.message.includes(`Deployment/${NS}/web configured`),
          );
      expect(await eventually(async () => drift() !== undefined, 90_000, 250)).toBe(true);
      expect(drift()!.event.involvedObject).toEqual(
        expect.objectContaining({ kind: 'Kustomization', name: 'apps' }),
      );
      expect(drift()!.event.metadata?.['kustomize.toolkit.fluxcd.io/revision']).toMatch(/[0-9a-f]{40}$/);
      const live = await kube.get(web);
      expect((live?.spec as { replicas?: number } | undefined)?.replicas).toBe(1);
    });
  },
);

// Flagger's canary alerts: the base profile's Flagger reads chart values from a Secret bootstrap
// writes (the address never in Git or output), and the stand-in composes them as helm-controller
// does, so the test sees what Flagger's chart would be given.
describe.skipIf(sandboxFluxBundle().kind === 'mini')(
  "alerts: Flagger's canary alerts go to the same place (needs ../shared/fixtures/flux-v2.9.3)",
  () => {
    const cluster = 'e2e-flagger-alerts';
    // Slack is not reachable from the sandbox: nothing is posted, the values are what is checked.
    const address = `https://hooks.slack.example.test/services/T0/B0/fl4gger-${Date.now()}`;
    const env = { env: { GITOPS_ALERTS_ADDRESS: address } };
    const secretValues = (secret: KubeObject | undefined, key: string): unknown => {
      const data = (secret?.['data'] as Record<string, string> | undefined)?.[key];
      return data === undefined ? undefined : JSON.parse(Buffer.from(data, 'base64').toString());
    };

    it('bootstraps base --alerts slack: the values reach Flagger through valuesFrom, status says so, a re-run changes nothing', async () => {
      const fleet = await createFleetRepo(cluster);
      const args = ['-o', 'json', ...bootstrapArgs(cluster, 'base', fleet.url, ['--alerts', 'slack'])];
      const boot = await gitops(args, env);
      expect(boot.code, boot.stderr).toBe(0);
      expect(boot.stdout + boot.stderr).not.toContain('fl4gger');
      const history = await simpleGit(fleet.dir).raw(['log', '-p', '--all']);
      expect(history).not.toContain('fl4gger');
      expect(history).toMatch(/valuesFrom:\n\+\s+- kind: Secret\n\+\s+name: gitops-flagger-alerts/);

      const kube = await admin();
      try {
        const secret = await kube.get({
          apiVersion: 'v1',
          kind: 'Secret',
          name: 'gitops-flagger-alerts',
          namespace: 'flux-system',
        });
        expect(secretValues(secret, 'values.yaml')).toEqual({ slack: { url: address, channel: 'general' } });

        // What the stand-in's helm-controller would give the chart: the Secret's values under the
        // inline ones, the cluster's name substituted by Flux into clusterName.
        const recorded = async () =>
          secretValues(
            await kube.get({
              apiVersion: 'v1',
              kind: 'Secret',
              name: 'sandbox-values-flagger',
              namespace: 'flux-system',
            }),
            'values.json',
          ) as { slack?: { url?: string } } | undefined;
        expect(await eventually(async () => (await recorded())?.slack?.url === address, 60_000, 250)).toBe(
          true,
        );
        expect(await recorded()).toMatchObject({
          slack: { url: address, channel: 'general' },
          clusterName: cluster,
          meshProvider: 'kubernetes',
        });
        const release = await kube.get({
          apiVersion: 'helm.toolkit.fluxcd.io/v2',
          kind: 'HelmRelease',
          name: 'flagger',
          namespace: 'flux-system',
        });
        expect(
          (
            release?.status as { conditions?: { type: string; reason: string }[] } | undefined
          )?.conditions?.find((c) => c.type === 'Ready')?.reason,
        ).toBe('StoodIn');
      } finally {
        kube.close();
      }

      const status = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
      expect(status.code, status.stdout).toBe(0);
      expect(status.stdout).not.toContain('fl4gger');
      expect(JSON.parse(status.stdout).alerts).toMatchObject({
        provider: 'slack',
        flagger: { sent: true, note: "Flagger's slack notifier (HelmRelease flagger)" },
      });

      const commits = await commitCount(fleet.dir);
      const again = await gitops(args, env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout + again.stderr).not.toContain('fl4gger');
      const redo = JSON.parse(again.stdout) as { steps: { id: string; result: string }[] };
      expect(redo.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
      expect(await commitCount(fleet.dir)).toBe(commits);
    });
  },
);
