/** ServiceQuotasPort over @aws-sdk/client-service-quotas (json-1.1). */
import type * as Sdk from '@aws-sdk/client-service-quotas';
import type { ServiceQuotasPort } from '../ports-compute.js';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import { call } from './common.js';
import { hasAwsCode } from '../errors.js';

export class ServiceQuotasAdapter implements ServiceQuotasPort {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Sdk.ServiceQuotasClient }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-service-quotas');
      const client = new sdk.ServiceQuotasClient(await sdkClientConfig(settings));
      return { sdk, client: abortable(client, settings.signal) };
    });
  }

  async appliedQuota(serviceCode: string, quotaCode: string): Promise<number | undefined> {
    const { sdk, client } = await this.load();
    try {
      const r = await call('Service Quotas', 'GetServiceQuota', () =>
        client.send(new sdk.GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })),
      );
      return r.Quota?.Value;
    } catch (e) {
      if (hasAwsCode(e, 'NoSuchResourceException')) return undefined;
      throw e;
    }
  }
}
