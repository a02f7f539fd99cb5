// IAM's checks of a policy document, for both kinds IAM stores on a role: permissions policies
// (PutRolePolicy) and the trust policy (CreateRole, UpdateAssumeRolePolicy). The messages are the
// ones IAM answers with (MalformedPolicyDocument), so a client that matches on them behaves here as
// it would against AWS. Principal checks that need the account's state (do the named OIDC providers
// exist?) live in iam-trust.ts.

import { AwsError } from './errors.js';

export type PolicyKind = 'permissions' | 'trust';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

export const malformed = (message: string) => new AwsError('MalformedPolicyDocument', message, 400);

const SYNTAX = 'Syntax errors in policy.';
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/** IAM leaves white space out when it measures a policy against its size quotas. */
export function policySize(doc: string): number {
  return doc.replace(/\s+/g, '').length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a list of strings, as Action/Resource take; anything else is a syntax error. */
function stringList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw malformed(SYNTAX);
}

function readCondition(v: unknown): Statement['Condition'] {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw malformed(SYNTAX);
  const out: NonNullable<Statement['Condition']> = {};
  for (const [operator, block] of Object.entries(v)) {
    if (!isRecord(block)) throw malformed(SYNTAX);
    out[operator] = {};
    for (const [key, value] of Object.entries(block)) {
      // Condition values may also be booleans or numbers (Bool, Numeric*); keep them as text.
      const values = Array.isArray(value) ? value : [value];
      if (values.some((x) => !['string', 'number', 'boolean'].includes(typeof x))) throw malformed(SYNTAX);
      out[operator]![key] = values.map(String);
    }
  }
  return out;
}

function readStatement(raw: unknown, kind: PolicyKind): Statement {
  if (!isRecord(raw)) throw malformed(SYNTAX);
  for (const key of Object.keys(raw)) if (!STATEMENT_KEYS.has(key)) throw malformed(SYNTAX);
  if ('Action' in raw && 'NotAction' in raw) throw malformed(SYNTAX);
  if ('Resource' in raw && 'NotResource' in raw) throw malformed(SYNTAX);
  const effect = raw.Effect;
  if (typeof effect !== 'string' || !['allow', 'deny'].includes(effect.toLowerCase())) {
    throw malformed(SYNTAX);
  }
  // IAM accepts the word in any case in its syntax pass, then its older parser rejects it.
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed('The policy failed legacy parsing');
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') throw malformed(SYNTAX);
  const statement: Statement = { Effect: effect };
  if (typeof raw.Sid === 'string') statement.Sid = raw.Sid;
  const lists = ['Action', 'NotAction', 'Resource', 'NotResource'] as const;
  for (const key of lists) {
    const list = stringList(raw[key]);
    if (list !== undefined) statement[key] = list;
  }
  const condition = readCondition(raw.Condition);
  if (condition) statement.Condition = condition;
  if (kind === 'permissions') {
    if ('Principal' in raw || 'NotPrincipal' in raw) {
      throw malformed('Policy document should not specify a principal.');
    }
  } else {
    if ('Resource' in raw || 'NotResource' in raw) throw malformed('Has prohibited field Resource');
    if (!('Principal' in raw) && !('NotPrincipal' in raw))
      throw malformed('Missing required field Principal');
    statement.Principal = raw.Principal ?? raw.NotPrincipal;
  }
  return statement;
}

function checkActions(statement: Statement): void {
  const actions = statement.Action ?? statement.NotAction;
  if (!actions || actions.length === 0) throw malformed('Policy statement must contain actions.');
  for (const action of actions) {
    if (action === '*') continue;
    const parts = action.split(':');
    if (parts.length === 1) {
      throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    }
    if (parts.length > 2) throw malformed('Actions/Condition can contain only one colon.');
    if (/[^a-zA-Z0-9.-]/.test(parts[0]!)) throw malformed(`Vendor ${parts[0]} is not valid`);
  }
}

function checkResources(statement: Statement): void {
  const resources = statement.Resource ?? statement.NotResource;
  if (!resources || resources.length === 0) throw malformed('Policy statement must contain resources.');
  for (const r of resources) {
    if (r !== '*' && !r.startsWith('arn:')) throw malformed(`Resource ${r} must be in ARN format or "*".`);
  }
}

/** Parses and checks a policy document; throws MalformedPolicyDocument as IAM does. */
export function parsePolicyDocument(doc: string, kind: PolicyKind): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw malformed(SYNTAX);
  }
  if (!isRecord(parsed)) throw malformed(SYNTAX);
  for (const key of Object.keys(parsed)) if (!TOP_LEVEL.has(key)) throw malformed(SYNTAX);
  const version = parsed.Version;
  // Without a Version IAM assumes the 2008 language (policy variables stay literal text).
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformed(SYNTAX);
  }
  const raw = parsed.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw malformed(SYNTAX);
  const statements = list.map((s) => readStatement(s, kind));
  const sids = statements.map((s) => s.Sid).filter((s): s is string => s !== undefined && s !== '');
  if (new Set(sids).size !== sids.length) {
    throw malformed('Statement IDs (SID) in a single policy must be unique.');
  }
  for (const s of statements) checkActions(s);
  if (kind === 'permissions') for (const s of statements) checkResources(s);
  return { ...(typeof version === 'string' ? { Version: version } : {}), Statement: statements };
}

/** Values a principal block names under one key (AWS, Service, Federated), '*' included. */
export function principalValues(principal: unknown, key: string): string[] {
  if (principal === '*') return ['*'];
  if (!isRecord(principal)) return [];
  const v = principal[key];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
