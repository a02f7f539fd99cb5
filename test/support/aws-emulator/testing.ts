// Helpers for tests that point real AWS SDK clients at the emulator.

import type { RunningEmulator } from './index.js';

export interface SdkClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `new EKSClient(clientConfig(emu))`: every client shares the one emulator URL. */
export function clientConfig(
  emu: Pick<RunningEmulator, 'url' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  credentials?: SdkClientConfig['credentials'],
): SdkClientConfig {
  return {
    endpoint: emu.url,
    region: emu.region,
    credentials: credentials ?? { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
  };
}

/** The trust policy a service role needs, e.g. trustPolicy('eks.amazonaws.com'). */
export function trustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}
