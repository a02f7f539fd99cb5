// Shared front end of the query-protocol services (IAM, STS, EC2): read Action= from the form body
// (or the query string of a presigned GET) and dispatch to the operation table.

import { AwsError } from './errors.js';
import { type MissingParam, QueryParams } from './query.js';
import type { AwsRequest } from './service.js';

export interface QueryCall {
  action: string;
  params: QueryParams;
}

export function readQueryCall(req: AwsRequest, missing: MissingParam, known: ReadonlySet<string>): QueryCall {
  const source = req.method === 'GET' ? req.query.toString() : req.body.toString('utf8');
  const params = QueryParams.parse(source, missing);
  const action = params.str('Action');
  if (!action) throw new AwsError('MissingAction', 'Missing Action', 400);
  if (!known.has(action)) {
    throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
  }
  return { action, params };
}

/** The call log keeps parameters without the protocol's own Action/Version. */
export function loggedParams(params: QueryParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params.toJSON())) {
    // Action/Version are the protocol's own; X-Amz-* (presigned GET) are credentials, not input.
    if (k !== 'Action' && k !== 'Version' && !k.startsWith('X-Amz-')) out[k] = v;
  }
  return out;
}
