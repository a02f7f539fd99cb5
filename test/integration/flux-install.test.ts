/**
 * Flux install through the project's own steps, against the real apiserver. With Flux v2.9.3's
 * components present (../shared/fixtures/flux-v2.9.3) this is the conformance test, on the
 * derivative the 1.20 apiserver can store (its CEL validation keys removed, see
 * ../support/flux/derivative.ts); with only v2.1.2's (../shared/fixtures/flux) it runs on those;
 * with neither, the project's Flux-shaped mini bundle stands in, so the install, credentials,
 * readiness and health code still runs everywhere, and the conformance test says why it skips.
 * Everything touching flux-system lives in this one file: its tests run in order, and no other
 * file uses that namespace or Flux's CRDs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertsDestination } from '../../src/spec/alerts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/primitives/errors.js';
import { RecordingSink } from '../support/recording-sink.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import { applyObjects } from '../../src/integrations/kube/apply.js';
import { parseManifests } from '../../src/integrations/kube/manifests.js';
import { conditionOf } from '../../src/integrations/kube/object.js';
import { readinessOf } from '../../src/integrations/kube/readiness.js';
import { waitForReady } from '../../src/integrations/kube/waiter.js';
import { decodeSecretData } from '../../src/integrations/reconciler/flux/credentials.js';
import { fluxHealth, readFluxHealth } from '../../src/integrations/reconciler/flux/health.js';
import { fluxAlertObjects } from '../../src/integrations/reconciler/flux/alerts.js';
import { FLAGGER_ALERTS_NAME } from '../../src/integrations/reconciler/flux/flagger-alerts.js';
import { kindsDefinedBy } from '../../src/integrations/kube/api-kinds.js';
import {
  FLUX_STEPS,
  fluxInstallSteps,
  fluxReadyStep,
} from '../../src/integrations/reconciler/flux/install.js';
import {
  type FluxManifests,
  resolveFluxManifests,
  defaultFluxCacheDir,
} from '../../src/integrations/reconciler/flux/manifests.js';
import { type FluxSyncSpec, fluxSyncObjects } from '../../src/integrations/reconciler/flux/sync.js';
import { installBundle } from '../support/flux/bundles.js';
import {
  type KubeClient,
  markDeploymentAvailable,
  namespace,
  testClient,
  unique,
} from '../support/kube/helpers.js';

const bundle = installBundle();
const source = bundle.file;
const label = bundle.label;

const KNOWN_HOSTS =
  'git.example.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const SYNC: FluxSyncSpec = {
  url: 'git@git.example.test:acme/fleet.git',
  branch: 'main',
  path: 'clusters/research',
};
const REVISION = '3f1c0a9be7d54a3c8e2b1f0e9d8c7b6a5f4e3d2c';

let client: KubeClient;
let manifests: FluxManifests;

function installPlan(alerts?: AlertsDestination) {
  return buildPlan(
    'flux-install',
    fluxInstallSteps({
      client,
      manifests,
      sync: SYNC,
      credentials: { type: 'ssh-generate', knownHosts: KNOWN_HOSTS },
      ...(alerts ? { alerts } : {}),
    }),
  );
}

beforeAll(async () => {
  client = await testClient();
  manifests = await resolveFluxManifests({
    cacheDir: defaultFluxCacheDir(process.env),
    version: '2.9.6',
    source,
  });
});
afterAll(() => client.close());

describe(`Flux install with ${label}`, () => {
  const sink = new RecordingSink();
  const captured: string[] = [];

  it('installs the components, the credentials and the sync objects', async () => {
    // Capture everything written to this process's stdout/stderr while the install runs.
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return out(chunk, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return err(chunk, ...rest);
    }) as typeof process.stderr.write;
    let report: Awaited<ReturnType<typeof runPlan>>;
    try {
      report = await runPlan(installPlan(), { sink });
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(report.error?.message).toBeUndefined();
    expect(report.steps.map((s) => [s.id, s.result])).toEqual([
      [FLUX_STEPS.components.id, 'created'],
      [FLUX_STEPS.credentials.id, 'created'],
      // No alerts asked for, and no Secret of an earlier run to remove.
      [FLUX_STEPS.alerts.id, 'unchanged'],
      [FLUX_STEPS.flaggerAlerts.id, 'unchanged'],
      [FLUX_STEPS.sync.id, 'created'],
    ]);

    const objects = parseManifests(manifests.text, source);
    for (const obj of objects) {
      const live = await client.get({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name!,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      });
      expect(live, `${obj.kind} ${obj.metadata.name}`).toBeDefined();
    }
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    for (const crd of crds) {
      const live = await client.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name! });
      expect(conditionOf(live, 'Established')?.status, crd.metadata.name).toBe('True');
    }
    const repo = await client.get({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      namespace: 'flux-system',
      name: 'flux-system',
    });
    expect(repo?.spec).toMatchObject({
      url: 'ssh://git@git.example.test/acme/fleet.git',
      ref: { branch: 'main' },
      secretRef: { name: 'flux-system' },
    });
    const ks = await client.get({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: 'flux-system',
    });
    expect(ks?.spec).toMatchObject({
      path: './clusters/research',
      prune: true,
      sourceRef: { kind: 'GitRepository' },
    });
  });

  if ('skip' in bundle) {
    it.skip(`conformance (skipped: ${bundle.skip})`, () => {});
  } else {
    it(`conformance: ${bundle.crds} CRDs Established and ${bundle.controllers.length} controllers`, async () => {
      const objects = parseManifests(manifests.text, source);
      const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
      expect(crds).toHaveLength(bundle.crds);
      for (const crd of crds) {
        const live = await client.get({
          apiVersion: crd.apiVersion,
          kind: crd.kind,
          name: crd.metadata.name!,
        });
        expect(conditionOf(live, 'Established')?.status, crd.metadata.name).toBe('True');
      }
      const health = await readFluxHealth(client);
      expect(health.controllers.map((c) => c.name).sort()).toEqual(bundle.controllers);
    });
  }

  // Issue #13: the sandbox's components (the 2.9.3 derivative, the mini bundle) printed as a Flux
  // version (`v2.9.3`, `v0.0.1`); what they say they are is what status shows instead.
  it(`status says what the installed components are: ${bundle.notARelease ?? 'a Flux release (its version)'}`, async () => {
    const health = await fluxHealth(client);
    expect(health.notARelease).toBe(bundle.notARelease);
    if (bundle.notARelease === undefined) expect(health.version).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('prints the deploy key public half and never its private half', async () => {
    const secret = decodeSecretData(
      await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'flux-system', name: 'flux-system' }),
    )!;
    expect(secret.identity).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(secret.known_hosts).toBe(KNOWN_HOSTS);
    const everything = JSON.stringify(sink.events) + captured.join('');
    expect(everything).toContain(secret['identity.pub']!.split(' ')[1]);
    const privateBody = secret.identity!.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    for (const line of privateBody) expect(everything).not.toContain(line);
    expect(everything).not.toContain(Buffer.from(secret.identity!).toString('base64').slice(0, 40));

    // The key is a real OpenSSH key: ssh-keygen derives the same public half from it.
    const dir = mkdtempSync(join(tmpdir(), 'gitops-key-'));
    writeFileSync(join(dir, 'id'), secret.identity!, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' });
    expect(derived.split(' ').slice(0, 2)).toEqual(secret['identity.pub']!.split(' ').slice(0, 2));
  });

  it('a second install changes nothing and keeps the deploy key', async () => {
    const before = await client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'flux-system',
      name: 'flux-system',
    });
    const report = await runPlan(installPlan(), { sink: new RecordingSink() });
    expect(report.steps.map((s) => s.result)).toEqual(Array(5).fill('unchanged'));
    const after = await client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'flux-system',
      name: 'flux-system',
    });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);

    // And object by object, through the apply engine itself.
    const again = await applyObjects(client, parseManifests(manifests.text, source));
    expect(again.created + again.configured).toBe(0);
    expect(again.unchanged).toBe(again.objects.length);
  });

  it('stores where alerts go as the Secret gitops-alerts, says so without the address, and removes it when alerts are off', async () => {
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: 'flux-system', name: 'gitops-alerts' };
    const address = 'https://hooks.example.test/services/T0/B0/alerts-secret-path';
    const alerts: AlertsDestination = { provider: 'generic-hmac', address, token: 'signing-key-of-the-test' };
    const sink = new RecordingSink();
    const report = await runPlan(installPlan(alerts), { sink });
    expect(report.steps.find((s) => s.id === FLUX_STEPS.alerts.id)?.result).toBe('created');
    expect(decodeSecretData(await client.get(ref))).toEqual({ address, token: alerts.token });
    // Flagger cannot sign: no values for it, rather than unsigned posts the receiver would refuse.
    expect(report.steps.find((s) => s.id === FLUX_STEPS.flaggerAlerts.id)?.result).toBe('unchanged');
    expect(await client.get({ ...ref, name: FLAGGER_ALERTS_NAME })).toBeUndefined();
    expect(JSON.stringify(sink.events)).not.toContain('alerts-secret-path');
    expect(JSON.stringify(sink.events)).not.toContain('signing-key');

    const again = await runPlan(installPlan(alerts), { sink: new RecordingSink() });
    expect(again.steps.find((s) => s.id === FLUX_STEPS.alerts.id)?.result).toBe('unchanged');

    const off = await runPlan(installPlan(), { sink: new RecordingSink() });
    expect(off.steps.find((s) => s.id === FLUX_STEPS.alerts.id)?.result).toBe('deleted');
    expect(await client.get(ref)).toBeUndefined();
  });

  it("stores Flagger's values for the same place in gitops-flagger-alerts, updates them with the type and removes them when Flagger cannot send there", async () => {
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: 'flux-system', name: FLAGGER_ALERTS_NAME };
    const address = 'https://discord.example.test/api/webhooks/1/flagger-secret-path';
    const valuesOf = async () =>
      JSON.parse(decodeSecretData(await client.get(ref))?.['values.yaml'] ?? '{}') as Record<string, unknown>;
    const step = (r: Awaited<ReturnType<typeof runPlan>>) =>
      r.steps.find((s) => s.id === FLUX_STEPS.flaggerAlerts.id)?.result;
    const sink = new RecordingSink();
    expect(step(await runPlan(installPlan({ provider: 'slack', address }), { sink }))).toBe('created');
    expect(await valuesOf()).toEqual({ slack: { url: address, channel: 'general' } });
    // helm-controller upgrades the release as soon as a Secret so labelled changes.
    expect((await client.get(ref))?.metadata.labels?.['reconcile.fluxcd.io/watch']).toBe('Enabled');
    expect(step(await runPlan(installPlan({ provider: 'slack', address }), { sink }))).toBe('unchanged');
    expect(step(await runPlan(installPlan({ provider: 'discord', address }), { sink }))).toBe('updated');
    expect(await valuesOf()).toEqual({ slack: { url: `${address}/slack`, channel: 'general' } });
    expect(step(await runPlan(installPlan({ provider: 'googlechat', address }), { sink }))).toBe('deleted');
    expect(await client.get(ref)).toBeUndefined();
    expect(JSON.stringify(sink.events)).not.toContain('flagger-secret-path');
    await runPlan(installPlan(), { sink: new RecordingSink() });
  });

  it("status reads where alerts go from the Provider, its Secret and both Alerts, and lists a sandbox's undelivered Provider", async (ctx) => {
    const kinds = parseManifests(manifests.text, source).flatMap(kindsDefinedBy);
    if (!kinds.some((k) => k.group === 'notification.toolkit.fluxcd.io' && k.kind === 'Provider'))
      return ctx.skip(`${label} serves no Flux notification Provider`);
    const address = 'https://hooks.example.test/services/status-check';
    await runPlan(installPlan({ provider: 'slack', address }), { sink: new RecordingSink() });
    const objects = fluxAlertObjects({ provider: 'slack', cluster: 'research', kinds });
    await applyObjects(client, objects);
    const health = await fluxHealth(client);
    expect(health.alerts).toEqual({
      provider: 'slack',
      ready: true,
      reason: expect.stringMatching(/in place|ready/),
    });
    expect(JSON.stringify(health)).not.toContain('status-check');

    // A profile whose Flagger reads the values: status names Flagger's notifier, or what is missing.
    if (
      kinds.some(
        (k) => k.group === 'helm.toolkit.fluxcd.io' && k.kind === 'HelmRelease' && k.version === 'v2',
      )
    ) {
      const hr = {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name: 'flagger', namespace: 'flux-system' },
        spec: {
          interval: '30m',
          chart: { spec: { chart: 'flagger', sourceRef: { kind: 'HelmRepository', name: 'flagger' } } },
          valuesFrom: [
            { kind: 'Secret', name: FLAGGER_ALERTS_NAME, valuesKey: 'values.yaml', optional: true },
          ],
        },
      };
      await applyObjects(client, [hr]);
      const wired = await fluxHealth(client);
      expect(wired.alerts?.flagger).toEqual({
        sent: true,
        note: "Flagger's slack notifier (HelmRelease flagger)",
      });
      expect(wired.alerts?.ready).toBe(true);
      const flaggerSecret = {
        apiVersion: 'v1',
        kind: 'Secret',
        name: FLAGGER_ALERTS_NAME,
        namespace: 'flux-system',
      };
      await client.delete(flaggerSecret);
      const missing = (await fluxHealth(client)).alerts;
      expect(missing?.ready).toBe(false);
      expect(missing?.flagger?.sent).toBe(false);
      expect(missing?.reason).toBe(
        'Flagger: Secret flux-system/gitops-flagger-alerts is missing (run bootstrap with GITOPS_ALERTS_ADDRESS)',
      );
      await client.delete({
        apiVersion: hr.apiVersion,
        kind: hr.kind,
        name: 'flagger',
        namespace: 'flux-system',
      });
      await runPlan(installPlan({ provider: 'slack', address }), { sink: new RecordingSink() });
    }

    const provider = objects[0]!;
    const ref = {
      apiVersion: provider.apiVersion,
      kind: 'Provider',
      name: provider.metadata.name!,
      namespace: 'flux-system',
    };
    const info = await client.discovery.resolve(ref.apiVersion, ref.kind);
    await client.applyRaw(
      info,
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          annotations: { 'sandbox.gitops.dev/not-delivered': 'slack alerts are not sent from the sandbox' },
        },
      },
      { fieldManager: 'sandbox-test', force: true },
    );
    const failures = objects[1]!;
    await client.delete({
      apiVersion: failures.apiVersion,
      kind: 'Alert',
      name: failures.metadata.name!,
      namespace: 'flux-system',
    });
    const after = await fluxHealth(client);
    expect(after.alerts).toEqual({
      provider: 'slack',
      ready: false,
      reason: 'Alert gitops-failures is missing',
    });
    expect(after.simulated).toContainEqual(
      expect.objectContaining({
        kind: 'Provider',
        name: 'gitops-alerts',
        note: expect.stringMatching(/alerts not delivered/),
      }),
    );
    for (const o of objects.slice(0, 3))
      await client
        .delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, namespace: 'flux-system' })
        .catch(() => undefined);
    await runPlan(installPlan(), { sink: new RecordingSink() });
    expect((await fluxHealth(client)).alerts).toBeUndefined();
  });

  it('waits for the controllers and the pushed revision, then reports health', async () => {
    const ref = (kind: string, apiVersion: string) => ({
      apiVersion,
      kind,
      namespace: 'flux-system',
      name: 'flux-system',
    });
    const gitRepo = ref('GitRepository', 'source.toolkit.fluxcd.io/v1');
    const kustomization = ref('Kustomization', 'kustomize.toolkit.fluxcd.io/v1');
    const deadline = Date.now() + 1500;
    const waitPlan = buildPlan('flux-ready', [
      fluxReadyStep({
        client,
        manifests,
        sync: SYNC,
        revision: () => REVISION,
        dependsOn: [],
        intervalMs: 100,
      }),
    ]);

    // Nothing is running yet: the wait ends at the deadline, naming what is not ready.
    const sink = new RecordingSink();
    const timedOut = await runPlan(waitPlan, { sink, deadline });
    expect(timedOut.ok).toBe(false);
    expect(timedOut.error?.code).toBe('GITOPS_TIMEOUT');
    expect(timedOut.error?.message).toContain('Deployment flux-system/source-controller');
    expect(timedOut.error?.message).toContain('Kustomization flux-system/flux-system');
    const progress = sink.ofType('step-progress').map((e) => e.message);
    expect(progress.join('\n')).toContain('Deployment flux-system/source-controller');

    // Play the controllers: Deployments available, source fetched, Kustomization applied.
    const health0 = await readFluxHealth(client);
    expect(health0.installed).toBe(true);
    expect(health0.ready).toBe(false);
    for (const c of health0.controllers) {
      await markDeploymentAvailable(client, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'flux-system',
        name: c.name,
      });
    }
    const now = new Date().toISOString();
    const readyCondition = (generation: number, message: string) => [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message,
        observedGeneration: generation,
        lastTransitionTime: now,
      },
    ];
    const repoLive = await client.get(gitRepo);
    await client.patchStatus(gitRepo, {
      observedGeneration: repoLive!.metadata.generation,
      conditions: readyCondition(
        repoLive!.metadata.generation!,
        `stored artifact for revision 'main@sha1:${REVISION}'`,
      ),
      // Flux v2.9's schema requires the artifact's digest.
      artifact: {
        revision: `main@sha1:${REVISION}`,
        path: 'x',
        url: 'http://x',
        digest: `sha256:${'ab'.repeat(32)}`,
        lastUpdateTime: now,
      },
    });
    const ksLive = await client.get(kustomization);
    await client.patchStatus(kustomization, {
      observedGeneration: ksLive!.metadata.generation,
      conditions: readyCondition(ksLive!.metadata.generation!, `Applied revision: main@sha1:${REVISION}`),
      lastAppliedRevision: `main@sha1:${REVISION}`,
      lastAttemptedRevision: `main@sha1:${REVISION}`,
    });

    const done = await runPlan(waitPlan, { sink: new RecordingSink(), deadline: Date.now() + 10_000 });
    expect(done.error?.message).toBeUndefined();
    expect(done.steps[0]!.result).toBe('unchanged');

    const health = await readFluxHealth(client);
    expect(health.ready).toBe(true);
    expect(health.controllers.every((c) => c.ready)).toBe(true);
    expect(health.sources[0]).toMatchObject({
      name: 'flux-system',
      ready: true,
      revision: `main@sha1:${REVISION}`,
      url: 'ssh://git@git.example.test/acme/fleet.git',
      branch: 'main',
    });
    expect(health.kustomizations[0]).toMatchObject({
      ready: true,
      lastAppliedRevision: `main@sha1:${REVISION}`,
    });
  });

  it('reads Flux readiness as a controller reports it: generation, reason, revision', async () => {
    const ns = unique('flux-ready');
    const [repo, ks] = fluxSyncObjects({ ...SYNC, name: 'app', namespace: ns });
    await applyObjects(client, [namespace(ns), repo, ks]);
    const ksRef = { apiVersion: ks.apiVersion, kind: ks.kind, namespace: ns, name: 'app' };
    const generation = (await client.get(ksRef))!.metadata.generation!;
    const now = new Date().toISOString();
    const status = (observed: number, ready: string, reason: string, message: string, applied?: string) => ({
      observedGeneration: observed,
      conditions: [
        {
          type: 'Ready',
          status: ready,
          reason,
          message,
          observedGeneration: observed,
          lastTransitionTime: now,
        },
      ],
      ...(applied ? { lastAppliedRevision: applied, lastAttemptedRevision: applied } : {}),
    });
    const waitFor = (ms: number, sink = new RecordingSink()) =>
      waitForReady(client, [{ ref: ksRef, revision: REVISION }], {
        deadline: Date.now() + ms,
        intervalMs: 50,
        sink,
      });

    // Ready=True, but for an older generation of the object: not ready.
    await client.patchStatus(
      ksRef,
      status(generation - 1, 'True', 'ReconciliationSucceeded', 'ok', `main@sha1:${REVISION}`),
    );
    const stale = readinessOf((await client.get(ksRef))!, { revision: REVISION });
    expect(stale.ready).toBe(false);
    expect(stale.reason).toContain(`generation ${generation}`);

    // Ready=False with a reason: the reason surfaces in progress and in the timeout error.
    await client.patchStatus(
      ksRef,
      status(generation, 'False', 'BuildFailed', 'kustomize build failed: missing resource deploy.yaml'),
    );
    const sink = new RecordingSink();
    const error = await waitFor(400, sink).catch((e: unknown) => e);
    expect(isGitopsError(error) && error.code).toBe('GITOPS_TIMEOUT');
    expect((error as Error).message).toContain(`Kustomization ${ns}/app`);
    expect((error as Error).message).toContain('BuildFailed: kustomize build failed');
    expect(
      sink
        .ofType('info')
        .map((e) => e.message)
        .join('\n'),
    ).toContain('Ready=False: BuildFailed');

    // Ready at another revision: still waiting, and the message says for what.
    await client.patchStatus(
      ksRef,
      status(generation, 'True', 'ReconciliationSucceeded', 'applied', 'main@sha1:0123456789abcdef'),
    );
    const other = (await waitFor(200).catch((e: unknown) => e)) as Error;
    expect(other.message).toContain(`waiting for ${REVISION.slice(0, 12)}`);

    // Ready at the pushed revision, for the current generation: done.
    await client.patchStatus(
      ksRef,
      status(generation, 'True', 'ReconciliationSucceeded', 'applied', `main@sha1:${REVISION}`),
    );
    const [state] = await waitFor(2000);
    expect(state!.state).toMatchObject({ ready: true });

    // A Stalled object fails at once instead of waiting for the deadline.
    await client.patchStatus(ksRef, {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'InvalidPath',
          message: 'path not found',
          observedGeneration: generation,
          lastTransitionTime: now,
        },
        {
          type: 'Stalled',
          status: 'True',
          reason: 'InvalidPath',
          message: 'path not found',
          observedGeneration: generation,
          lastTransitionTime: now,
        },
      ],
    });
    const t0 = Date.now();
    const stalled = (await waitFor(30_000).catch((e: unknown) => e)) as Error;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stalled.message).toContain('Stalled: InvalidPath');
  });

  it('reads health as not installed where there is no Flux namespace', async () => {
    const health = await readFluxHealth(client, { namespace: 'no-flux-here' });
    expect(health).toMatchObject({ installed: false, ready: false });
  });
});
