/**
 * IAM permissions policies (identity-based, the kind a role's inline policy is) checked before
 * anything reaches AWS, so a bad document fails bootstrap at once with the file and the JSON path
 * of the problem instead of half way through, as IAM's MalformedPolicyDocument would.
 *
 * The grammar is IAM's: Version, optional Id, Statement (one object or a list); each statement an
 * optional Sid (letters and digits), Effect Allow or Deny, exactly one of Action / NotAction and
 * one of Resource / NotResource, an optional Condition of operator -> key -> value(s). Principal
 * has no place in a permissions policy. We only accept Version 2012-10-17: the older version has
 * no policy variables, and a document written today has no reason to use it.
 */

export type PolicyPath = (string | number)[];

export interface PolicyIssue {
  /** Where in the document: ['Statement', 2, 'Action', 0] (formatPath writes Statement[2].Action[0]). */
  path: PolicyPath;
  message: string;
}

export const POLICY_VERSION = '2012-10-17';

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
// service prefix, one colon, an action name that may hold the wildcards * and ?.
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
// arn:partition:service:region:account:resource; region and account may be empty (IAM, S3, Route 53).
const ARN = /^arn:(\*|aws[a-z-]*):[a-z0-9*-]+:[a-z0-9*?-]*:(\d{12}|\*|aws)?:.+$/;
const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every problem of the document, in document order; an empty list means IAM's grammar holds. */
export function policyIssues(doc: Json): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const add: Add = (path, message) => issues.push({ path, message });
  if (!isObject(doc)) {
    add([], 'a policy document is a JSON object');
    return issues;
  }
  for (const key of Object.keys(doc)) {
    if (!['Version', 'Id', 'Statement'].includes(key))
      add([key], 'unknown field (a policy has Version, Id and Statement)');
  }
  if (doc['Version'] !== POLICY_VERSION) add(['Version'], `must be "${POLICY_VERSION}"`);
  if (doc['Id'] !== undefined && typeof doc['Id'] !== 'string') add(['Id'], 'must be a string');
  const statements = doc['Statement'];
  if (statements === undefined) {
    add(['Statement'], 'is required');
    return issues;
  }
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.length === 0) add(['Statement'], 'must hold at least one statement');
  const sids = new Set<string>();
  list.forEach((s, i) => {
    const at: PolicyPath = Array.isArray(statements) ? ['Statement', i] : ['Statement'];
    checkStatement(s, at, add, sids);
  });
  return issues;
}

type Add = (path: PolicyPath, message: string) => void;

function checkStatement(s: Json, at: PolicyPath, add: Add, sids: Set<string>): void {
  if (!isObject(s)) {
    add(at, 'a statement is a JSON object');
    return;
  }
  for (const key of Object.keys(s)) {
    if (key === 'Principal' || key === 'NotPrincipal')
      add([...at, key], 'has no place in a permissions policy');
    else if (!STATEMENT_KEYS.has(key)) add([...at, key], 'unknown field');
  }
  const sid = s['Sid'];
  if (sid !== undefined) {
    if (typeof sid !== 'string' || !/^[A-Za-z0-9]*$/.test(sid))
      add([...at, 'Sid'], 'must be letters and digits only');
    else if (sids.has(sid)) add([...at, 'Sid'], `"${sid}" is used by another statement`);
    else sids.add(sid);
  }
  if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') add([...at, 'Effect'], 'must be "Allow" or "Deny"');
  exactlyOne(
    s,
    at,
    'Action',
    'NotAction',
    add,
    (v) => v === '*' || ACTION.test(v),
    'is not an action ("service:Operation")',
  );
  exactlyOne(s, at, 'Resource', 'NotResource', add, (v) => v === '*' || ARN.test(v), 'is not "*" or an ARN');
  if (s['Condition'] !== undefined) checkCondition(s['Condition'], [...at, 'Condition'], add);
}

function exactlyOne(
  s: Record<string, Json>,
  at: PolicyPath,
  field: string,
  notField: string,
  add: Add,
  valid: (v: string) => boolean,
  invalid: string,
): void {
  const has = s[field] !== undefined;
  const hasNot = s[notField] !== undefined;
  if (has && hasNot) add([...at, notField], `cannot be given together with ${field}`);
  if (!has && !hasNot) {
    add([...at, field], `is required (or ${notField})`);
    return;
  }
  const key = has ? field : notField;
  const value = s[key];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) add([...at, key], 'must not be an empty list');
  values.forEach((v, i) => {
    const path = Array.isArray(value) ? [...at, key, i] : [...at, key];
    if (typeof v !== 'string') add(path, 'must be a string');
    else if (!valid(v)) add(path, `"${v}" ${invalid}`);
  });
}

function checkCondition(c: Json, at: PolicyPath, add: Add): void {
  if (!isObject(c)) {
    add(at, 'must be an object of condition operators');
    return;
  }
  for (const [op, block] of Object.entries(c)) {
    const path = [...at, op];
    const bare = op.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
    if (!OPERATORS.has(bare) || (bare === 'Null' && op.endsWith('IfExists'))) {
      add(path, 'is not an IAM condition operator');
      continue;
    }
    if (!isObject(block) || Object.keys(block).length === 0) {
      add(path, 'must map at least one condition key to its value(s)');
      continue;
    }
    for (const [key, value] of Object.entries(block)) {
      const values = Array.isArray(value) ? value : [value];
      const scalar = (v: Json) => typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number';
      if (!/^[A-Za-z0-9-]+:\S+$/.test(key)) add([...path, key], 'is not a condition key ("service:key")');
      else if (values.length === 0 || !values.every(scalar)) {
        add([...path, key], 'must be a string, number or boolean, or a non-empty list of them');
      }
    }
  }
}

/** IAM counts a role's inline policies together, without white space, against 10,240 characters. */
export const INLINE_POLICY_QUOTA = 10_240;

export function policySize(document: string): number {
  return document.replace(/\s+/g, '').length;
}

/** The document with object keys sorted: equal policies compare equal whatever IAM did to spacing. */
export function canonicalPolicy(doc: Json): string {
  const sort = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sort);
    if (isObject(v))
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort(v[k])]),
      );
    return v;
  };
  return JSON.stringify(sort(doc));
}
