/** StsPort over @aws-sdk/client-sts (query protocol). */
import type * as Sdk from '@aws-sdk/client-sts';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type { CallerIdentity, StsPort } from '../ports.js';
import { call } from './common.js';

export class StsAdapter implements StsPort {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Sdk.STSClient }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-sts');
      return { sdk, client: abortable(new sdk.STSClient(await sdkClientConfig(settings)), settings.signal) };
    });
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    const { sdk, client } = await this.load();
    const r = await call('STS', 'GetCallerIdentity', () => client.send(new sdk.GetCallerIdentityCommand({})));
    return { account: r.Account ?? '', arn: r.Arn ?? '', userId: r.UserId ?? '' };
  }
}
