import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultEngine } from '../support/aws-emulator/faults.js';
import { type RunningEmulator, type ServiceName, startAwsEmulator } from '../support/aws-emulator/index.js';
import { runAwsCli } from '../support/aws-emulator/aws-cli.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startAwsEmulator({ timeScale: 0.001, seed: 7 });
});
afterEach(() => {
  emu.setFaults([]);
  emu.setDown(0);
});
afterAll(async () => {
  await emu.stop();
});

/** One cheap read per service, each through its own SDK client. */
function probes(maxAttempts = 3): Record<ServiceName, () => Promise<{ $metadata: { attempts?: number } }>> {
  const cfg = { ...clientConfig(emu), maxAttempts };
  return {
    sts: () => new STSClient(cfg).send(new GetCallerIdentityCommand({})),
    iam: () => new IAMClient(cfg).send(new ListRolesCommand({})),
    ec2: () => new EC2Client(cfg).send(new DescribeVpcsCommand({})),
    eks: () => new EKSClient(cfg).send(new ListClustersCommand({})),
    ecr: () => new ECRClient(cfg).send(new DescribeRepositoriesCommand({})),
    servicequotas: () =>
      new ServiceQuotasClient(cfg).send(new ListServiceQuotasCommand({ ServiceCode: 'ec2' })),
    s3: () => new S3Client({ ...cfg, forcePathStyle: true }).send(new ListBucketsCommand({})),
  };
}

const THROTTLE_CODE: Record<ServiceName, string> = {
  sts: 'Throttling',
  iam: 'Throttling',
  ec2: 'RequestLimitExceeded',
  eks: 'ThrottlingException',
  ecr: 'ThrottlingException',
  servicequotas: 'TooManyRequestsException',
  s3: 'SlowDown',
};

describe('fault injection', () => {
  it("each service throttles with its own error code and the SDK's retry recovers", async () => {
    emu.clearCalls();
    const services = Object.keys(THROTTLE_CODE) as ServiceName[];
    emu.setFaults(services.map((service) => ({ service, throttleNth: [1] })));
    const results = await Promise.all(services.map((s) => probes()[s]()));
    for (const [i, service] of services.entries()) {
      expect(results[i]!.$metadata.attempts, service).toBe(2);
      const codes = emu.calls({ service }).map((c) => c.errorCode ?? 'ok');
      expect(codes, service).toEqual([THROTTLE_CODE[service], 'ok']);
    }
  });

  it('fails the Nth call with a 500 InternalFailure that the SDK retries', async () => {
    emu.clearCalls();
    emu.setFaults([{ service: 'eks', operation: 'ListClusters', failNth: [1] }]);
    const out = await probes().eks();
    expect(out.$metadata.attempts).toBe(2);
    expect(emu.calls({ service: 'eks' }).map((c) => [c.status, c.errorCode])).toEqual([
      [500, 'InternalFailure'],
      [200, undefined],
    ]);
  });

  it('survives 20% throttling and 10% 500s on every call with the standard retry', async () => {
    emu.setFaults([{ throttleRate: 0.2, errorRate: 0.1 }]);
    const sts = new STSClient({ ...clientConfig(emu), maxAttempts: 10 });
    let retried = 0;
    for (let i = 0; i < 6; i++) {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      retried += (out.$metadata.attempts ?? 1) - 1;
    }
    expect(retried).toBeGreaterThan(0);
  });

  it('makes the same decisions for the same seed', () => {
    const run = (seed: number) => {
      const engine = new FaultEngine(seed, [{ throttleRate: 0.3, errorRate: 0.2 }]);
      return Array.from({ length: 40 }, () => engine.decide('ec2', 'DescribeVpcs').error ?? '-').join(',');
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(43));
  });

  it('adds latency', async () => {
    emu.setFaults([{ service: 'sts', latencyMs: 150 }]);
    const started = Date.now();
    await probes().sts();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('hangs a call past the client timeout, and still carries it out (as AWS may)', async () => {
    emu.setFaults([{ service: 'ecr', operation: 'CreateRepository', hangMs: 400 }]);
    const ecr = new ECRClient({
      ...clientConfig(emu),
      maxAttempts: 1,
      // This SDK version only warns on requestTimeout unless throwOnRequestTimeout is set.
      requestHandler: new NodeHttpHandler({ requestTimeout: 100, throwOnRequestTimeout: true }),
    });
    const err = await ecr
      .send(new CreateRepositoryCommand({ repositoryName: 'slow' }))
      .catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    // The emulator finishes the call after the hang even though the client gave up.
    const deadline = Date.now() + 10_000;
    while (!emu.state().ecr.repositories.some((r) => r.repositoryName === 'slow') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(emu.state().ecr.repositories.map((r) => r.repositoryName)).toContain('slow');
  });

  it("denies with each service's own permission error, which the SDK does not retry", async () => {
    emu.clearCalls();
    emu.setFaults([{ deny: true }]);
    const all = probes(3);
    const denied = (['iam', 'ec2', 'eks', 'ecr', 'servicequotas', 's3'] as const).map(async (service) => {
      const e = (await all[service]().catch((err: unknown) => err)) as {
        name?: string;
        message?: string;
        $metadata?: { httpStatusCode?: number; attempts?: number };
      };
      return [service, e.name, e.$metadata?.httpStatusCode, e.$metadata?.attempts, e.message] as const;
    });
    const caller = 'arn:aws:iam::123456789012:user/gitops-test';
    expect(await Promise.all(denied)).toEqual([
      [
        'iam',
        'AccessDenied',
        403,
        1,
        expect.stringContaining(`User: ${caller} is not authorized to perform: iam:ListRoles`),
      ],
      [
        'ec2',
        'UnauthorizedOperation',
        403,
        1,
        expect.stringMatching(
          /^You are not authorized to perform this operation\. User: .* ec2:DescribeVpcs/,
        ),
      ],
      ['eks', 'AccessDeniedException', 403, 1, expect.stringContaining('perform: eks:ListClusters')],
      ['ecr', 'AccessDeniedException', 400, 1, expect.stringContaining('perform: ecr:DescribeRepositories')],
      [
        'servicequotas',
        'AccessDeniedException',
        400,
        1,
        expect.stringContaining('servicequotas:ListServiceQuotas'),
      ],
      ['s3', 'AccessDenied', 403, 1, 'Access Denied'],
    ]);
    // AWS answers GetCallerIdentity whatever the policies say, so "deny everything" leaves it.
    await probes(1).sts();
    expect(emu.calls({ service: 'eks' }).map((c) => [c.status, c.errorCode])).toEqual([
      [403, 'AccessDeniedException'],
    ]);
    expect(() => emu.setFaults([{ service: 'sts', operation: 'GetCallerIdentity', deny: true }])).toThrow(
      /cannot be denied/,
    );
  });

  // EC2's XML error form is the one a client could misread (the SDK's typed errors cover the
  // JSON services); one CLI start costs seconds, so one call.
  it("denies in a form the AWS CLI (botocore) reads as EC2's own error", async () => {
    emu.setFaults([{ service: 'ec2', deny: true }]);
    const run = await runAwsCli(emu, ['ec2', 'describe-vpcs']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /An error occurred \(UnauthorizedOperation\) when calling the DescribeVpcs operation: You are not authorized/,
    );
  });

  it('answers 503 while down, and serves again afterwards', async () => {
    emu.setDown(10_000);
    const err = await probes(1)
      .iam()
      .catch((e: Error) => e);
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(503);
    expect((err as Error).name).toBe('ServiceUnavailable');
    emu.setDown(0);
    await probes(1).iam();
  });

  it("can drop connections while down ('reset' mode)", async () => {
    emu.setDown(10_000, 'reset');
    const err = await probes(1)
      .sts()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    emu.setDown(0);
    await probes(1).sts();
  });

  it('is down for the given time only', async () => {
    const until = Date.now() + 1000;
    emu.setDown(1000);
    expect(
      await probes(1)
        .sts()
        .then(
          () => 'ok',
          (e: Error) => e.name,
        ),
    ).toBe('ServiceUnavailable');
    await new Promise((r) => setTimeout(r, until - Date.now() + 50));
    expect(
      await probes(1)
        .sts()
        .then(
          () => 'ok',
          (e: Error) => e.name,
        ),
    ).toBe('ok');
  });
});

describe('admin routes', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator/${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return { status: res.status, body: (await res.text()) as string };
  };

  it('mirror the in-process handle', async () => {
    expect(JSON.parse((await admin('GET', 'health')).body)).toEqual({ ok: true });
    expect((await admin('PUT', 'faults', [{ service: 'iam', throttleNth: [1] }])).status).toBe(200);
    expect(JSON.parse((await admin('GET', 'faults')).body)).toEqual([{ service: 'iam', throttleNth: [1] }]);
    expect((await admin('PUT', 'faults', [])).status).toBe(200);
    expect(
      (await admin('POST', 'lifecycle-faults', { resource: 'cluster', name: 'x', outcome: 'FAILED' })).status,
    ).toBe(200);
    expect(JSON.parse((await admin('GET', 'lifecycle-faults')).body)).toEqual([
      { resource: 'cluster', name: 'x', outcome: 'FAILED' },
    ]);
    await new ECRClient(clientConfig(emu)).send(new CreateRepositoryCommand({ repositoryName: 'via-admin' }));
    expect((await admin('POST', 'images', { repository: 'via-admin', tag: 'v1' })).status).toBe(200);
    const state = JSON.parse((await admin('GET', 'state')).body) as ReturnType<RunningEmulator['state']>;
    expect(
      state.ecr.repositories.find((r) => r.repositoryName === 'via-admin')?.images[0]?.imageTags,
    ).toEqual(['v1']);
    const calls = JSON.parse(
      (await admin('GET', 'calls?service=ecr&operation=CreateRepository')).body,
    ) as unknown[];
    expect(calls.length).toBeGreaterThan(0);
    expect(
      (await admin('PUT', 'kube-apiserver', { endpoint: 'https://127.0.0.1:6443', caData: 'Q0E=' })).status,
    ).toBe(200);
    const kubeconfig = await admin('GET', 'token-webhook-kubeconfig?cluster=research');
    expect(kubeconfig.body).toContain(`server: "${emu.url}/_emulator/token-review/research"`);
    expect((await admin('POST', 'down', { ms: 0 })).status).toBe(200);
    expect((await admin('DELETE', 'calls')).status).toBe(200);
    expect(emu.calls()).toEqual([]);
    expect((await admin('POST', 'faults', [{ throttleRate: 7 }])).status).toBe(400);
    expect((await admin('GET', 'nothing-here')).status).toBe(404);
  });
});
