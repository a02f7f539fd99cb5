/**
 * The stand-in's notification-controller part against the real apiserver, with Alerts and
 * Providers of its own in a namespace of its own: a generic-hmac Provider gets Flux's event (with
 * the Alert's eventMetadata) and an X-Signature the receiver can check with the token, retries of
 * the same failure are rate limited to one post, and a Provider type the sandbox cannot reach
 * (slack) is marked not delivered instead of passing quietly.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { sandboxFluxBundle } from '../support/flux/derivative.js';
import { Api, type Obj } from '../support/sandbox/standin/api.js';
import { NOT_DELIVERED_ANNOTATION } from '../support/sandbox/standin/notify.js';
import { createFleetRepo, eventually, sandbox } from './helpers.js';

const suffix = Math.random().toString(36).slice(2, 7);
const ns = `notify-${suffix}`;
const NOTIFICATION = 'notification.toolkit.fluxcd.io/v1beta3';
const TOKEN = 'hmac-key-for-the-test-receiver';
const received: { signature: string | undefined; body: string }[] = [];
let api: Api;
let server: Server;
let work: string;

async function create(o: Obj): Promise<void> {
  await api.request('POST', await api.path({ ...o, namespace: ns, name: undefined }), o);
}

async function push(files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  const git = simpleGit(work);
  await git.add(['-A']);
  await git.commit('notify test', { '--allow-empty': null });
  await git.push('origin', 'HEAD:main');
  return (await git.revparse(['HEAD'])).trim();
}

beforeAll(async () => {
  api = await Api.fromKubeconfig(sandbox().adminKubeconfig);
  // Flux's CRDs as the sandbox serves them (created, not applied: a bootstrap may own them).
  for (const doc of parseAllDocuments(sandboxFluxBundle().text)) {
    const o = doc.toJS() as Obj | null;
    if (o?.kind !== 'CustomResourceDefinition') continue;
    await api
      .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', o)
      .catch(() => undefined);
  }
  const served = await eventually(
    async () => {
      api.forget();
      return (await api.resource(NOTIFICATION, 'Provider')) !== undefined;
    },
    60_000,
    200,
  );
  if (!served) throw new Error(`${NOTIFICATION} Provider is not served by the sandbox's Flux bundle`);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      received.push({ signature: req.headers['x-signature'] as string | undefined, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  await api.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  const secret = (name: string, data: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  await create(secret('hmac', { address, token: TOKEN }));
  await create(secret('chat', { address }));
  const provider = (name: string, type: string): Obj => ({
    apiVersion: NOTIFICATION,
    kind: 'Provider',
    metadata: { name, namespace: ns },
    spec: { type, secretRef: { name: name === 'signed' ? 'hmac' : 'chat' } },
  });
  await create(provider('signed', 'generic-hmac'));
  await create(provider('chat', 'slack'));
  for (const [name, providerName] of [
    ['to-signed', 'signed'],
    ['to-chat', 'chat'],
  ] as const) {
    await create({
      apiVersion: NOTIFICATION,
      kind: 'Alert',
      metadata: { name, namespace: ns },
      spec: {
        providerRef: { name: providerName },
        eventSeverity: 'error',
        eventSources: [{ kind: 'Kustomization', name: '*' }],
        eventMetadata: { env: 'test' },
      },
    });
  }
  const repo = await createFleetRepo(`notify-${suffix}`);
  work = mkdtempSync(join(tmpdir(), 'notify-'));
  await simpleGit().clone(repo.url, work);
  await push({ 'README.md': 'notify test fleet\n' });
  await create({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace: ns },
    spec: { interval: '1m', url: repo.url, ref: { branch: 'main' } },
  });
});

afterAll(async () => {
  await api
    .delete({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'bad',
      namespace: ns,
    })
    .catch(() => false);
  if (work) rmSync(work, { recursive: true, force: true });
  await new Promise((r) => server?.close(r));
});

// The minimal Flux-shaped bundle the sandbox serves without ../shared has no notification or image
// automation CRDs: without Flux's real components this file is skipped, and its title says why.
describe.skipIf(sandboxFluxBundle().kind === 'mini')(
  "the stand-in's notification-controller (needs ../shared/fixtures/flux-v2.9.3)",
  () => {
    it('posts a failed Kustomization to a generic-hmac Provider, signed with its token; marks slack not delivered', async () => {
      const head = await push({
        'bad/widget.yaml': `apiVersion: nothing.gitops.dev/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: ${ns}\n`,
      });
      await create({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'bad', namespace: ns },
        spec: {
          interval: '1m',
          path: './bad',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'fleet' },
        },
      });
      // The first events may say the source has no artifact yet (Flux retries and reports that
      // too); the one this test is after is the apply failure.
      const failed = () =>
        received.filter((r) => (JSON.parse(r.body) as { reason?: string }).reason === 'ReconciliationFailed');
      expect(await eventually(async () => failed().length > 0, 60_000, 200)).toBe(true);
      const [first] = failed();
      const event = JSON.parse(first!.body) as Record<string, unknown>;
      expect(event).toMatchObject({
        involvedObject: {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          name: 'bad',
          namespace: ns,
        },
        severity: 'error',
        reason: 'ReconciliationFailed',
        message: expect.stringContaining('no matches for kind "Widget"'),
        reportingController: 'kustomize-controller',
        metadata: { 'kustomize.toolkit.fluxcd.io/revision': `main@sha1:${head}`, env: 'test' },
      });
      expect(event['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(first!.signature).toBe(
        `sha256=${createHmac('sha256', TOKEN).update(first!.body).digest('hex')}`,
      );

      // Providers are marked once per pass of the stand-in's loop, which may come after the post.
      const chatNote = async () =>
        (await api.get({ apiVersion: NOTIFICATION, kind: 'Provider', name: 'chat', namespace: ns }))?.metadata
          .annotations?.[NOT_DELIVERED_ANNOTATION];
      expect(await eventually(async () => (await chatNote()) !== undefined, 30_000, 200)).toBe(true);
      expect(await chatNote()).toMatch(/slack alerts are not sent from the sandbox/);
      const signed = await api.get({
        apiVersion: NOTIFICATION,
        kind: 'Provider',
        name: 'signed',
        namespace: ns,
      });
      expect(signed?.metadata.annotations?.[NOT_DELIVERED_ANNOTATION]).toBeUndefined();
      // Retries of the same failure are rate limited, as notification-controller does: one post.
      await new Promise((r) => setTimeout(r, 3000));
      expect(failed()).toHaveLength(1);
    });
  },
);
