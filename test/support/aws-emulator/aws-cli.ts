// The AWS CLI as a second client of the emulator (botocore: its own serializers, parsers and
// signer). It finds the emulator through AWS_ENDPOINT_URL; no profile or instance metadata is read.

import { execFile } from 'node:child_process';
import type { RunningEmulator } from './index.js';

export type CliJson = Record<string, unknown>;

export interface CliResult {
  /** The process exit status (the CLI exits non-zero for a service error). */
  code: number;
  /** stdout parsed as JSON ({} when the command prints nothing). */
  json: CliJson;
  stderr: string;
}

/**
 * Runs `aws <args> --output json` without blocking: an in-process emulator must keep serving
 * while the CLI waits for it.
 */
export function runAwsCli(
  emu: Pick<RunningEmulator, 'url' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  args: string[],
): Promise<CliResult> {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: emu.url,
    AWS_ACCESS_KEY_ID: emu.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    AWS_DEFAULT_REGION: emu.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return new Promise((resolve) => {
    execFile('aws', [...args, '--output', 'json'], { env, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, json: stdout.trim() ? (JSON.parse(stdout) as CliJson) : {}, stderr });
    });
  });
}

/** A list member of a CLI answer (an absent list counts as empty). */
export function cliList<T>(json: CliJson, key: string): T[] {
  return (json[key] ?? []) as T[];
}
