/**
 * The use cases run in this process, with the clients the CLI would build from an environment
 * (`clientsFor`): the real AWS SDK over HTTP to the sandbox's emulator, EKS tokens checked by the
 * real apiserver's webhook, real git against the sandbox's Git server. Only the process boundary
 * of the e2e tests is gone: what a use case emits and returns can be read directly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitopsEvent, codeOf, type StepResult } from '../../src/primitives/events.js';
import { loadConfigFile } from '../../src/spec/from-flags.js';
import { type BootstrapResult, bootstrapSpec, runBootstrap } from '../../src/usecases/bootstrap/run.js';
import type { SpecRequest } from '../../src/usecases/bootstrap/inputs.js';
import { type Clients, clientsFor, localClients, pollInterval } from '../../src/usecases/clients.js';
import { type DestroyDocument, runDestroy } from '../../src/usecases/destroy.js';
import type { PlanReport } from '../../src/primitives/runner.js';
import type { CallRecord } from '../support/aws-emulator/index.js';
import { RecordingSink } from '../support/recording-sink.js';
import { TINY_PROFILE } from '../reliability/support.js';
import { emulator, sandbox } from './helpers.js';

export const REGION = 'us-west-2';

/**
 * What the CLI would get as its environment in the sandbox: this process's (PATH and HOME for git)
 * with the sandbox's on top, and a kubeconfig of the test's own. Nothing here is written to
 * process.env: the use cases must take everything from what they are given.
 */
export function sandboxEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...sandbox().env, KUBECONFIG: join(dir, 'kubeconfig'), ...extra };
}

export function scratchDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `gitops-usecase-${name}-`));
}

/** A tiny-profile spec: one node group, one ECR repository, two zones (fewer calls). */
export function tinySpecFile(dir: string): string {
  const file = join(dir, 'gitops.json');
  writeFileSync(
    file,
    JSON.stringify({ network: { availabilityZones: 2 }, profile: { source: TINY_PROFILE } }),
  );
  return file;
}

export interface InProcessBootstrap {
  result: BootstrapResult;
  sink: RecordingSink;
}

/** `gitops bootstrap --config <tiny> --yes [--dry-run]`, as the CLI wires it, without the CLI. */
export async function bootstrapInProcess(o: {
  cluster: string;
  fleetUrl: string;
  env: NodeJS.ProcessEnv;
  configFile: string;
  dryRun?: boolean;
  timeoutMs?: number;
}): Promise<InProcessBootstrap> {
  const signal = new AbortController().signal;
  const request: SpecRequest = {
    // The CLI takes --flux-version from GITOPS_FLUX_VERSION (the sandbox mirrors one release).
    flags: {
      cluster: o.cluster,
      region: REGION,
      gitUrl: o.fleetUrl,
      fluxVersion: o.env['GITOPS_FLUX_VERSION'],
    },
    config: await loadConfigFile(o.configFile),
  };
  const { requested, sourceUrl, local } = await bootstrapSpec(request, localClients(o.env), {
    allowInsecureHttp: true,
    signal,
  });
  const sink = new RecordingSink();
  const result = await runBootstrap({
    requested,
    sourceUrl,
    clients: clientsFor(REGION, o.env, { signal }),
    sink,
    signal,
    deadline: Date.now() + (o.timeoutMs ?? 240_000),
    dryRun: o.dryRun === true,
    local,
    releaseBaseUrl: o.env['GITOPS_FLUX_RELEASE_BASE_URL'],
    pollMs: pollInterval(o.env),
  });
  return { result, sink };
}

/** `gitops destroy --cluster <name> --yes` in this process. */
export async function destroyInProcess(o: {
  cluster: string;
  clients: Clients;
  timeoutMs?: number;
}): Promise<{ report: PlanReport; document: DestroyDocument; sink: RecordingSink }> {
  const sink = new RecordingSink();
  const out = await runDestroy({
    cluster: o.cluster,
    clients: o.clients,
    sink,
    signal: new AbortController().signal,
    deadline: Date.now() + (o.timeoutMs ?? 120_000),
    dryRun: false,
    keepGit: false,
    force: false,
    pollMs: pollInterval(o.clients.env),
  });
  return { ...out, sink };
}

/** Each step's result, by step id. */
export function results(report: Pick<PlanReport, 'steps'>): Record<string, StepResult> {
  return Object.fromEntries(report.steps.map((s) => [s.id, s.result]));
}

/** The codes of what a run emitted, in order, lifecycle events with their step id. */
export function eventCodes(events: readonly GitopsEvent[]): string[] {
  return events.map((e) => ('stepId' in e && e.stepId ? `${codeOf(e)} ${e.stepId}` : codeOf(e)));
}

/** Every AWS call the emulator answered since a time (any caller). */
export async function awsCallsSince(at: number): Promise<CallRecord[]> {
  return (await emulator<CallRecord[]>('calls')).filter((c) => c.at >= at);
}

export async function setFaults(rules: unknown[]): Promise<void> {
  await emulator('faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  });
}

/** Adds an AWS identity to the emulator (another user of the same account). */
export async function addIdentity(identity: { accessKeyId: string; secretAccessKey: string; arn: string }) {
  await emulator('identities', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(identity),
  });
}
