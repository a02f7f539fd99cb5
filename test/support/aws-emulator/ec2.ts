// EC2 (ec2Query protocol): one operation table over the network, gateway and route modules.

import type { EmulatorContext } from './context.js';
import type { Ec2Op } from './ec2-common.js';
import { gatewayOps } from './ec2-gateways.js';
import { instanceTypeOps } from './ec2-instance-types.js';
import { networkOps } from './ec2-network.js';
import { routeOps } from './ec2-routes.js';
import { AwsError } from './errors.js';
import { ec2Reply } from './protocol.js';
import { loggedParams, readQueryCall } from './query-service.js';
import type { ServiceModule } from './service.js';

const ops: Record<string, Ec2Op> = { ...networkOps, ...gatewayOps, ...routeOps, ...instanceTypeOps };
const KNOWN = new Set(Object.keys(ops));

export function ec2Service(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'ec2',
    protocol: 'ec2-query',
    resolve(req) {
      const { action, params } = readQueryCall(
        req,
        (n) => new AwsError('MissingParameter', `The request must contain the parameter ${n}`, 400),
        KNOWN,
      );
      return {
        operation: action,
        params: loggedParams(params),
        run: () => {
          ctx.ec2.sweep();
          if (params.bool('DryRun')) {
            throw new AwsError(
              'DryRunOperation',
              'Request would have succeeded, but DryRun flag is set.',
              412,
            );
          }
          return ec2Reply(action, req.requestId, ops[action]!(ctx, params));
        },
      };
    },
  };
}
