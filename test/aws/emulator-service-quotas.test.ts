// Service Quotas through the real SDK client: EC2's vCPU quotas, settable per test, paged lists.
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';

let emu: RunningEmulator;
let sq: ServiceQuotasClient;

beforeAll(async () => {
  // A new account: no G or VT instances until a quota increase.
  emu = await startAwsEmulator({ timeScale: 0.001, serviceQuotas: { 'ec2/L-DB2E81BA': 0 } });
  sq = new ServiceQuotasClient({ ...clientConfig(emu), maxAttempts: 1 });
});
afterAll(async () => {
  sq.destroy();
  await emu.stop();
});

const value = async (code: string) =>
  (await sq.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: code }))).Quota?.Value;

describe('Service Quotas', () => {
  it('answers EC2 vCPU quotas with their names, ARN and usage metric', async () => {
    const { Quota } = await sq.send(
      new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }),
    );
    expect(Quota).toMatchObject({
      ServiceCode: 'ec2',
      QuotaCode: 'L-1216C47A',
      QuotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
      QuotaArn: `arn:aws:servicequotas:${emu.region}:${emu.accountId}:ec2/L-1216C47A`,
      Value: 640,
      Adjustable: true,
      UsageMetric: { MetricDimensions: { Resource: 'vCPU', Class: 'Standard/OnDemand' } },
    });
    expect(await value('L-DB2E81BA')).toBe(0);
    const aws = await sq.send(
      new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-DB2E81BA' }),
    );
    expect(aws.Quota?.Value).toBe(0);
  });

  it('values can be set in process and over the admin route', async () => {
    emu.setServiceQuota('ec2', 'L-DB2E81BA', 32);
    expect(await value('L-DB2E81BA')).toBe(32);
    const res = await fetch(`${emu.url}/_emulator/service-quotas`, {
      method: 'PUT',
      body: JSON.stringify({ 'ec2/L-DB2E81BA': 8, 'ec2/L-417A185B': 96 }),
    });
    expect(res.status).toBe(200);
    expect(await value('L-DB2E81BA')).toBe(8);
    expect(await value('L-417A185B')).toBe(96);
    const bad = await fetch(`${emu.url}/_emulator/service-quotas`, {
      method: 'PUT',
      body: JSON.stringify({ 'ec2/L-NOPE': 1 }),
    });
    expect(bad.status).toBe(400);
  });

  it('lists quotas page by page (tokens in the base64 form the model requires)', async () => {
    const first = await sq.send(new ListServiceQuotasCommand({ ServiceCode: 'ec2', MaxResults: 3 }));
    expect(first.Quotas).toHaveLength(3);
    expect(first.NextToken).toMatch(/^[a-zA-Z0-9/+]*={0,2}$/);
    const second = await sq.send(
      new ListServiceQuotasCommand({ ServiceCode: 'ec2', MaxResults: 3, NextToken: first.NextToken }),
    );
    expect([...first.Quotas!, ...second.Quotas!].map((q) => q.QuotaCode)).toEqual([
      'L-1216C47A',
      'L-DB2E81BA',
      'L-417A185B',
      'L-1945791B',
    ]);
    expect(second.NextToken).toBeUndefined();
  });

  it('an unknown quota is NoSuchResourceException; a malformed code breaks the model', async () => {
    await expect(
      sq.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-00000000' })),
    ).rejects.toBeInstanceOf(NoSuchResourceException);
    const e = await sq
      .send(new GetServiceQuotaCommand({ ServiceCode: 'e', QuotaCode: 'L-1216C47A' }))
      .catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'ValidationException' });
    expect((e as Error).message).toBe(
      "1 validation error detected: Value 'e' at 'serviceCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9-]{1,63}",
    );
  });
});
