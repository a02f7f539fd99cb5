// Issue #19, versions as the bootstrap use case chooses them (prepareBootstrap), against the
// emulator with a version table of this file's own, dated from today so the facts do not move as
// the calendar does: 1.31 past extended support, 1.32 in extended support, 1.33 standard and
// marked default, 1.34 and 1.35 standard (1.35 the newest), 1.36 not released yet. AWS's default
// is then neither the newest version nor the emulator's own default (1.34), so only a CreateCluster
// that carries the version DescribeClusterVersions marked can pass.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { type GitopsError, isGitopsError } from '../../src/primitives/errors.js';
import { type RequestedSpec, clusterSpecSchema } from '../../src/spec/schema.js';
import { type BootstrapInputs, prepareBootstrap } from '../../src/usecases/bootstrap/inputs.js';
import type { EksVersionInfo } from '../support/aws-emulator/eks-versions.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { FIXTURES_DIR } from '../support/kube/fixtures.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, run, startEmulator } from './fixtures.js';

const TINY_PROFILE = new URL('../reliability/fixtures/tiny', import.meta.url).pathname;
const MUTATING = /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Update|Modify|Allocate)/;
const DAY = 86_400_000;
/** A date `days` from today, as the version table and EKS's answers give it (UTC midnight). */
const day = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

const EXTENDED_END = day(200);

const row = (
  version: string,
  released: number,
  standardEnds: number,
  extendedEnds: number,
  extra: Partial<EksVersionInfo> = {},
): EksVersionInfo => ({
  version,
  releaseDate: day(released),
  endOfStandardSupport: day(standardEnds),
  endOfExtendedSupport: day(extendedEnds),
  kubernetesPatchVersion: `${version}.1`,
  defaultPlatformVersion: 'eks.1',
  ...extra,
});

const TABLE: EksVersionInfo[] = [
  row('1.31', -900, -480, -60),
  row('1.32', -600, -30, 200),
  row('1.33', -400, 100, 465, { default: true }),
  row('1.34', -200, 230, 595),
  row('1.35', -60, 365, 730),
  row('1.36', 30, 455, 820),
];

describe('the Kubernetes version a bootstrap chooses', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let dir: string;
  let fleetUrl: string;
  let manifests: string;

  /** What `gitops bootstrap` would ask for: the tiny profile, the version only when given. */
  const requested = (name: string, kubernetesVersion?: string): RequestedSpec =>
    clusterSpecSchema.parse({
      name,
      region: 'us-west-2',
      profile: { source: TINY_PROFILE },
      fleet: { url: fleetUrl },
      network: { availabilityZones: 2 },
      ...(kubernetesVersion ? { kubernetesVersion } : {}),
    });

  const prepare = (spec: RequestedSpec, sink: RecordingSink): Promise<BootstrapInputs> =>
    prepareBootstrap(spec, {
      aws,
      reconciler: flux,
      env: { ...process.env, HOME: dir },
      reconcilerManifests: manifests,
      sink,
    });

  const warnings = (sink: RecordingSink) =>
    sink.ofType('warning').map((w) => ({ code: w.code, message: w.message }));

  beforeAll(async () => {
    emu = await startEmulator({ eksVersions: TABLE });
    aws = clientsFor(emu);
    dir = mkdtempSync(join(tmpdir(), 'gitops-bootstrap-versions-'));
    // An empty fleet repository: nothing recorded, as for a first bootstrap.
    execFileSync('git', ['init', '--quiet', '--bare', join(dir, 'fleet.git')]);
    fleetUrl = `file://${join(dir, 'fleet.git')}`;
    // The reconciler's manifests from a local file (--reconciler-manifests): no download. The
    // project's mini bundle, which defines the kinds the install needs (bootstrap checks it).
    manifests = join(FIXTURES_DIR, 'flux-mini.yaml');
  });
  afterAll(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no version in the spec: the one DescribeClusterVersions marks as default goes into CreateCluster', async () => {
    const sink = new RecordingSink();
    const inputs = await prepare(requested('plain'), sink);
    expect(inputs.requested.kubernetesVersion).toBe('1.33');
    expect(inputs.spec.kubernetesVersion).toBe('1.33');
    expect(warnings(sink).filter((w) => w.code === 'GITOPS_EXTENDED_SUPPORT')).toEqual([]);

    emu.clearCalls();
    expectOk(await run('provision', provisionSteps(inputs.spec, aws, inputs.identities)));
    const creates = emu.calls({ service: 'eks', operation: 'CreateCluster' }).filter((c) => c.ok);
    expect(creates.map((c) => (c.params as { version?: string }).version)).toEqual(['1.33']);
    expect((await aws.eks.describeCluster('plain'))?.version).toBe('1.33');
  });

  it('a version in extended support is taken, with a warning naming its end date and the cost', async () => {
    const sink = new RecordingSink();
    const inputs = await prepare(requested('older', '1.32'), sink);
    expect(inputs.spec.kubernetesVersion).toBe('1.32');
    expect(warnings(sink).filter((w) => w.code === 'GITOPS_EXTENDED_SUPPORT')).toEqual([
      {
        code: 'GITOPS_EXTENDED_SUPPORT',
        message: `Kubernetes 1.32 is in EKS extended support until ${EXTENDED_END}: the control plane is billed at the extended-support rate, and EKS upgrades the cluster by itself when that support ends`,
      },
    ]);
  });

  it('a version EKS does not offer is refused before any change, naming every version it does', async () => {
    for (const asked of ['1.31', '1.36', '1.29']) {
      emu.clearCalls();
      const sink = new RecordingSink();
      const error = await prepare(requested(`refused-${asked.replace('.', '-')}`, asked), sink).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isGitopsError(error), `${asked} was accepted`).toBe(true);
      const refusal = error as GitopsError;
      expect(refusal).toMatchObject({ code: 'GITOPS_BAD_INPUT', exitCode: 2 });
      expect(refusal.message).toBe(
        `Kubernetes version ${asked} is not offered by EKS in us-west-2; it offers 1.35, 1.34, 1.33, 1.32`,
      );
      expect(refusal.hint).toBe(
        'set kubernetesVersion (or --kubernetes-version) to one of 1.35, 1.34, 1.33, 1.32',
      );
      expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    }
  });
});
