// Shared pieces of the ECR operations.

import type { EmulatorContext } from './context.js';
import type { Repository } from './ecr-store.js';
import { AwsError } from './errors.js';
import type { JsonInput } from './json-input.js';

export type EcrOp = (ctx: EmulatorContext, body: JsonInput) => unknown;

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message, 400);
export const epoch = (ms: number) => ms / 1000;

export function repoOrThrow(ctx: EmulatorContext, name: string): Repository {
  const r = ctx.ecr.repositories.get(name);
  if (!r) {
    throw new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${ctx.accountId}'`,
      400,
    );
  }
  return r;
}
