// STS (awsQuery protocol): GetCallerIdentity, also reachable as a presigned GET, which is what an
// EKS token wraps.

import { AwsError } from './errors.js';
import { queryReply } from './protocol.js';
import { loggedParams, readQueryCall } from './query-service.js';
import type { ServiceModule } from './service.js';

const KNOWN = new Set(['GetCallerIdentity']);

export function stsService(): ServiceModule {
  return {
    name: 'sts',
    protocol: 'query',
    resolve(req) {
      const { action, params } = readQueryCall(
        req,
        (n) => new AwsError('MissingParameter', `The request must contain the parameter ${n}`, 400),
        KNOWN,
      );
      return {
        operation: action,
        params: loggedParams(params),
        run: () =>
          queryReply('sts', action, req.requestId, {
            UserId: req.caller.userId,
            Account: req.caller.accountId,
            Arn: req.caller.arn,
          }),
      };
    },
  };
}
