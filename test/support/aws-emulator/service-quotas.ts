// Service Quotas (json-1.1; the X-Amz-Target prefix is read from AWS's model): the EC2 vCPU quotas
// that decide whether a node group's instances can start at all. Applied values default to those
// of an account in use; AWS's defaults for a new account (GetAWSDefaultServiceQuota) are lower,
// and G and VT instances start at 0 there. Tests set values with the `serviceQuotas` option,
// setServiceQuota() or PUT /_emulator/service-quotas.

import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import { JsonInput } from './json-input.js';
import { loadModel } from './model-source.js';
import { paginate } from './paging.js';
import { jsonReply } from './protocol.js';
import type { ServiceModule } from './service.js';

interface QuotaInfo {
  serviceCode: string;
  serviceName: string;
  quotaCode: string;
  quotaName: string;
  /** AWS's default for a new account. */
  awsDefault: number;
  /** The emulator's applied value unless a test sets another. */
  applied: number;
  /** EC2's vCPU usage class (the UsageMetric dimension); EKS's quotas have no usage metric. */
  usageClass?: string;
}

const EC2 = 'Amazon Elastic Compute Cloud (Amazon EC2)';
export const QUOTAS: QuotaInfo[] = [
  {
    serviceCode: 'ec2',
    serviceName: EC2,
    quotaCode: 'L-1216C47A',
    quotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
    awsDefault: 5,
    applied: 640,
    usageClass: 'Standard/OnDemand',
  },
  {
    serviceCode: 'ec2',
    serviceName: EC2,
    quotaCode: 'L-DB2E81BA',
    quotaName: 'Running On-Demand G and VT instances',
    awsDefault: 0,
    applied: 64,
    usageClass: 'G/OnDemand',
  },
  {
    serviceCode: 'ec2',
    serviceName: EC2,
    quotaCode: 'L-417A185B',
    quotaName: 'Running On-Demand P instances',
    awsDefault: 0,
    applied: 0,
    usageClass: 'P/OnDemand',
  },
  {
    serviceCode: 'ec2',
    serviceName: EC2,
    quotaCode: 'L-1945791B',
    quotaName: 'Running On-Demand Inf instances',
    awsDefault: 0,
    applied: 0,
    usageClass: 'Inf/OnDemand',
  },
  {
    serviceCode: 'eks',
    serviceName: 'Amazon Elastic Kubernetes Service (Amazon EKS)',
    quotaCode: 'L-BD136A63',
    quotaName: 'Nodes per managed node group',
    awsDefault: 450,
    applied: 450,
  },
];

/** Applied quota values by `serviceCode/quotaCode`. */
export class QuotaStore {
  private readonly values = new Map<string, number>();

  constructor(overrides: Record<string, number> = {}) {
    for (const q of QUOTAS) this.values.set(`${q.serviceCode}/${q.quotaCode}`, q.applied);
    for (const [key, value] of Object.entries(overrides)) this.set(key, value);
  }

  set(key: string, value: number): void {
    if (!this.values.has(key))
      throw new Error(`unknown service quota ${key} (known: ${[...this.values.keys()].join(', ')})`);
    if (!(value >= 0)) throw new Error(`a quota value must be >= 0, got ${value}`);
    this.values.set(key, value);
  }

  get(serviceCode: string, quotaCode: string): number | undefined {
    return this.values.get(`${serviceCode}/${quotaCode}`);
  }
}

const noSuchResource = (message: string) => new AwsError('NoSuchResourceException', message, 400);

function quotaView(ctx: EmulatorContext, q: QuotaInfo, value: number): Record<string, unknown> {
  return {
    ServiceCode: q.serviceCode,
    ServiceName: q.serviceName,
    QuotaArn: `arn:aws:servicequotas:${ctx.region}:${ctx.accountId}:${q.serviceCode}/${q.quotaCode}`,
    QuotaCode: q.quotaCode,
    QuotaName: q.quotaName,
    Value: value,
    Unit: 'None',
    Adjustable: true,
    GlobalQuota: false,
    ...(q.usageClass
      ? {
          UsageMetric: {
            MetricNamespace: 'AWS/Usage',
            MetricName: 'ResourceCount',
            MetricDimensions: { Class: q.usageClass, Resource: 'vCPU', Service: 'EC2', Type: 'Resource' },
            MetricStatisticRecommendation: 'Maximum',
          },
        }
      : {}),
    QuotaAppliedAtLevel: 'ACCOUNT',
  };
}

function find(serviceCode: string, quotaCode: string): QuotaInfo {
  const q = QUOTAS.find((x) => x.serviceCode === serviceCode && x.quotaCode === quotaCode);
  if (!q)
    throw noSuchResource(
      `The request failed because the specified service quota ${serviceCode}/${quotaCode} does not exist.`,
    );
  return q;
}

type Op = (ctx: EmulatorContext, body: JsonInput) => unknown;

const ops: Record<string, Op> = {
  GetServiceQuota(ctx, body) {
    const q = find(body.required('ServiceCode'), body.required('QuotaCode'));
    return { Quota: quotaView(ctx, q, ctx.quotas.get(q.serviceCode, q.quotaCode)!) };
  },

  GetAWSDefaultServiceQuota(ctx, body) {
    const q = find(body.required('ServiceCode'), body.required('QuotaCode'));
    return { Quota: quotaView(ctx, q, q.awsDefault) };
  },

  ListServiceQuotas(ctx, body) {
    const serviceCode = body.required('ServiceCode');
    const quotaCode = body.str('QuotaCode');
    const all = QUOTAS.filter((q) => q.serviceCode === serviceCode);
    if (all.length === 0)
      throw noSuchResource(`The request failed because the specified service ${serviceCode} does not exist.`);
    const chosen = all.filter((q) => quotaCode === undefined || q.quotaCode === quotaCode);
    // Service Quotas' model wants tokens in standard base64 (its pattern has no '-' or '_').
    const token = body.str('NextToken');
    const page = paginate(
      chosen,
      {
        token: token === undefined ? undefined : Buffer.from(token, 'base64').toString('base64url'),
        max: body.int('MaxResults'),
        scope: `quotas:${serviceCode}`,
        defaultMax: 100,
      },
      () => new AwsError('InvalidPaginationTokenException', 'Invalid pagination token.', 400),
    );
    return {
      Quotas: page.items.map((q) => quotaView(ctx, q, ctx.quotas.get(q.serviceCode, q.quotaCode)!)),
      ...(page.next ? { NextToken: Buffer.from(page.next, 'base64url').toString('base64') } : {}),
    };
  },
};

export function serviceQuotasService(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'servicequotas',
    protocol: 'json-1.1',
    resolve(req) {
      // The target prefix is the model's, so a renamed API version would show here at once.
      const prefix = `${loadModel('service-quotas').metadata.targetPrefix}.`;
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
      const op = ops[operation];
      if (!op) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`, 400);
      const body = JsonInput.parse(req.body);
      return {
        operation,
        params: body.data,
        run: () => jsonReply('json-1.1', req.requestId, op(ctx, body)),
      };
    },
  };
}
