// What a service module provides to the server: turn an authenticated request into a named
// operation (for the call log and fault matching) and a function that carries it out.

import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './identities.js';
import type { HttpReply, Protocol } from './protocol.js';
import type { ServiceName } from './types.js';

export interface AwsRequest {
  method: string;
  /** Percent-encoded path as sent. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  caller: Caller;
}

export interface ResolvedCall {
  operation: string;
  params: unknown;
  run(): HttpReply;
}

export interface ServiceModule {
  name: ServiceName;
  protocol: Protocol;
  /** Throws AwsError for an unknown operation or an unreadable request. */
  resolve(req: AwsRequest): ResolvedCall;
}

/** Tags as the json/query APIs spell them. */
export interface Tag {
  Key: string;
  Value: string;
}
