// Fault injection per service/operation. Decisions use a seeded PRNG and per-rule call counters,
// so the same calls in the same order meet the same faults.

import { AwsError } from './errors.js';
import { SeededRandom } from './random.js';
import type { FaultRule, ServiceName } from './types.js';

export interface FaultDecision {
  delayMs: number;
  hangMs: number;
  error?: 'throttle' | 'internal' | 'deny';
}

interface ActiveRule {
  rule: FaultRule;
  calls: number;
}

export class FaultEngine {
  private active: ActiveRule[] = [];
  private readonly random: SeededRandom;

  constructor(seed: number, rules: FaultRule[] = []) {
    this.random = new SeededRandom(seed);
    this.setRules(rules);
  }

  setRules(rules: FaultRule[]): void {
    for (const r of rules) validateRule(r);
    this.active = rules.map((rule) => ({ rule: { ...rule }, calls: 0 }));
  }

  rules(): FaultRule[] {
    return this.active.map((a) => ({ ...a.rule }));
  }

  decide(service: ServiceName, operation: string): FaultDecision {
    const d: FaultDecision = { delayMs: 0, hangMs: 0 };
    for (const a of this.active) {
      const r = a.rule;
      if (r.service !== undefined && r.service !== service) continue;
      if (r.operation !== undefined && r.operation !== operation) continue;
      a.calls += 1;
      d.delayMs = Math.max(d.delayMs, r.latencyMs ?? 0);
      if (r.hangNth === undefined || r.hangNth.includes(a.calls))
        d.hangMs = Math.max(d.hangMs, r.hangMs ?? 0);
      if (d.error) continue;
      if (r.deny && !neverDenied(service, operation)) d.error = 'deny';
      else if (r.failNth?.includes(a.calls)) d.error = 'internal';
      else if (r.throttleNth?.includes(a.calls)) d.error = 'throttle';
      else if (r.throttleRate && this.random.next() < r.throttleRate) d.error = 'throttle';
      else if (r.errorRate && this.random.next() < r.errorRate) d.error = 'internal';
    }
    return d;
  }
}

function validateRule(r: FaultRule): void {
  if (r.deny && r.service !== undefined && r.operation !== undefined && neverDenied(r.service, r.operation)) {
    throw new Error(
      `${r.service}:${r.operation} cannot be denied: AWS answers it whatever the caller's policies say`,
    );
  }
  for (const rate of [r.throttleRate, r.errorRate]) {
    if (rate !== undefined && !(rate >= 0 && rate <= 1))
      throw new Error(`fault rate must be within 0..1: ${rate}`);
  }
  for (const ms of [r.latencyMs, r.hangMs]) {
    if (ms !== undefined && !(ms >= 0 && ms <= 600_000))
      throw new Error(`fault delay must be 0..600000 ms: ${ms}`);
  }
}

/** Each service's own throttling error (all are codes the SDK's retry strategy treats as throttling). */
export function faultError(service: ServiceName, kind: 'throttle' | 'internal'): AwsError {
  if (kind === 'throttle') {
    switch (service) {
      case 'ec2':
        return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      case 'iam':
      case 'sts':
        return new AwsError('Throttling', 'Rate exceeded', 400);
      case 'eks':
        return new AwsError('ThrottlingException', 'Rate exceeded', 429);
      case 'ecr':
        return new AwsError('ThrottlingException', 'Rate exceeded', 400);
      case 'servicequotas':
        return new AwsError('TooManyRequestsException', 'Rate exceeded', 400);
      case 's3':
        return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    }
  }
  if (service === 's3') {
    return new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
  }
  if (service === 'ec2') {
    return new AwsError('InternalError', 'An internal error has occurred (injected fault).', 500);
  }
  return new AwsError(
    'InternalFailure',
    'The request processing has failed because of an unknown error (injected fault).',
    500,
  );
}

/**
 * AWS documents that GetCallerIdentity needs no permission and is answered even under an explicit
 * deny, so a rule denying "everything" leaves it working, and a rule naming it is refused.
 */
function neverDenied(service: ServiceName, operation: string): boolean {
  return service === 'sts' && operation === 'GetCallerIdentity';
}

/** The IAM action prefix of each service (the SigV4 signing name, as it happens). */
const ACTION_PREFIX: Record<ServiceName, string> = {
  eks: 'eks',
  ecr: 'ecr',
  ec2: 'ec2',
  iam: 'iam',
  sts: 'sts',
  servicequotas: 'servicequotas',
  s3: 's3',
};

/**
 * Each service's answer to a caller whose policies do not allow the action: its own code and
 * status, and AWS's message form without the resource part (the emulator does not work out the
 * resource ARN each action is checked against). Sources in the README's Faults section.
 */
export function deniedError(service: ServiceName, operation: string, callerArn: string): AwsError {
  const action = `${ACTION_PREFIX[service]}:${operation}`;
  const why = `User: ${callerArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  switch (service) {
    case 'eks':
      return new AwsError('AccessDeniedException', why, 403);
    case 'ecr':
    case 'servicequotas':
      return new AwsError('AccessDeniedException', why, 400);
    case 'ec2':
      return new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${why}`,
        403,
      );
    case 'iam':
    case 'sts':
      return new AwsError('AccessDenied', why, 403);
    case 's3':
      return new AwsError('AccessDenied', 'Access Denied', 403);
  }
}

/** What a service answers while the emulator is "down" (a 503 every SDK treats as retryable). */
export function unavailableError(): AwsError {
  return new AwsError('ServiceUnavailable', 'Service is unavailable (emulator is down).', 503);
}
