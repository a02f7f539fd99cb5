// The HTTP front door: one listener for all five services. Admin routes first; then the
// service is taken from the SigV4 credential scope, the signature verified, the operation
// resolved, faults applied, and the operation run. Every AWS call lands in the call log.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdminApi, handleAdmin } from './admin.js';
import { authenticate, authError, AuthFailure } from './auth.js';
import type { CallLog } from './call-log.js';
import type { EmulatorContext } from './context.js';
import { AwsError } from './errors.js';
import { deniedError, type FaultEngine, faultError, unavailableError } from './faults.js';
import { validateInput } from './model-validation.js';
import { errorReply, type HttpReply } from './protocol.js';
import type { AwsRequest, ResolvedCall, ServiceModule } from './service.js';
import type { DownMode, ServiceName } from './types.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface DownState {
  until: number;
  mode: DownMode;
}

export interface ServerParts {
  ctx: EmulatorContext;
  services: Record<ServiceName, ServiceModule>;
  faults: FaultEngine;
  calls: CallLog;
  down: DownState;
  admin: AdminApi;
  /** Pending delays, so stop() can cancel hung requests. */
  timers: Set<NodeJS.Timeout>;
}

function isService(s: string): s is ServiceName {
  return ['eks', 'ecr', 'ec2', 'iam', 'sts', 'servicequotas', 's3'].includes(s);
}

/** For requests without a usable signature: which service's error shape to answer in. */
function guessService(req: IncomingMessage, rawPath: string, body: Buffer): ServiceName | undefined {
  if (String(req.headers['x-amz-target'] ?? '').startsWith('AmazonEC2ContainerRegistry')) return 'ecr';
  if (String(req.headers['x-amz-target'] ?? '').startsWith('ServiceQuotas')) return 'servicequotas';
  const form = new URLSearchParams(
    req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body.toString('utf8'),
  );
  const version = form.get('Version');
  if (version === '2016-11-15') return 'ec2';
  if (version === '2010-05-08') return 'iam';
  if (version === '2011-06-15') return 'sts';
  if (/^\/(clusters|cluster-versions|addons|tags|access-policies)(\/|$)/.test(rawPath)) return 'eks';
  // Anything else without a target header or a form body looks like S3's path-style REST.
  if (!req.headers['x-amz-target'] && version === null) return 's3';
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsError('RequestEntityTooLarge', 'Request body too large', 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

function sleep(parts: ServerParts, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      parts.timers.delete(t);
      resolve();
    }, ms);
    parts.timers.add(t);
  });
}

export function createHandler(parts: ServerParts) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const at = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    if (rawPath.startsWith('/_emulator/')) {
      const reply = handleAdmin(
        parts.admin,
        req.method ?? 'GET',
        rawPath,
        new URLSearchParams(rawQuery),
        body,
      );
      send(res, { status: reply.status, headers: { 'content-type': reply.contentType }, body: reply.body });
      return;
    }
    const { ctx, services } = parts;
    const downFor = parts.down.until - Date.now();
    if (downFor > 0 && parts.down.mode === 'reset') {
      req.socket.destroy();
      return;
    }
    const auth = authenticate(
      { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers, body },
      ctx.identities,
      { region: ctx.region, now: Date.now() },
    );
    const scoped = auth instanceof AuthFailure ? auth.scopedService : auth.service;
    const serviceName = scoped !== undefined ? scoped : guessService(req, rawPath, body);
    if (serviceName === undefined || !isService(serviceName)) {
      const err =
        scoped !== undefined
          ? new AwsError(
              'InvalidSignatureException',
              `Credential should be scoped to correct service, not '${scoped}'.`,
              403,
            )
          : new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      send(res, errorReply('json-1.1', 'unknown', requestId, err));
      return;
    }
    const service = services[serviceName];
    const answer = (reply: HttpReply, operation: string, params: unknown, caller: string): void => {
      const errorCode = reply.status >= 300 ? errorCodeOf(reply) : undefined;
      parts.calls.add({
        service: serviceName,
        operation,
        params,
        ok: reply.status < 300,
        ...(errorCode !== undefined ? { errorCode } : {}),
        status: reply.status,
        at,
        requestId,
        caller,
      });
      send(res, reply);
    };
    const fail = (err: AwsError) => errorReply(service.protocol, serviceName, requestId, err);
    if (downFor > 0) {
      answer(fail(unavailableError()), 'Unknown', {}, '');
      return;
    }
    if (auth instanceof AuthFailure) {
      answer(fail(authError(serviceName, auth, ctx.region)), 'Unknown', {}, '');
      return;
    }
    const awsReq: AwsRequest = {
      method: req.method ?? 'GET',
      rawPath,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body,
      requestId,
      caller: auth.caller,
    };
    let call: ResolvedCall;
    try {
      call = service.resolve(awsReq);
    } catch (e) {
      answer(fail(asAwsError(e)), 'Unknown', {}, auth.caller.arn);
      return;
    }
    const decision = parts.faults.decide(serviceName, call.operation);
    await sleep(parts, decision.delayMs + decision.hangMs);
    if (decision.error) {
      const err =
        decision.error === 'deny'
          ? deniedError(serviceName, call.operation, auth.caller.arn)
          : faultError(serviceName, decision.error);
      answer(fail(err), call.operation, call.params, auth.caller.arn);
      return;
    }
    let reply: HttpReply;
    try {
      // AWS refuses what its model forbids before the operation looks at anything.
      validateInput(serviceName, call.operation, awsReq);
      reply = call.run();
    } catch (e) {
      reply = fail(asAwsError(e));
    }
    answer(reply, call.operation, call.params, auth.caller.arn);
  };
}

function asAwsError(e: unknown): AwsError {
  if (e instanceof AwsError) return e;
  // A bug in the emulator: say so loudly instead of pretending AWS failed.
  console.error('[aws-emulator] internal error:', e);
  return new AwsError('InternalFailure', `Emulator bug: ${e instanceof Error ? e.message : String(e)}`, 500);
}

/** The error code of a reply we built, for the call log (all four protocols). */
function errorCodeOf(reply: HttpReply): string | undefined {
  if (reply.headers['x-amzn-errortype']) return reply.headers['x-amzn-errortype'];
  const body = typeof reply.body === 'string' ? reply.body : '';
  const json = /"__type":"([^"]+)"/.exec(body);
  if (json) return json[1];
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}
