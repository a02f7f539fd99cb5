// IAM (awsQuery protocol): roles, their trust policy, managed policy attachments and tags.

import { AwsError } from './errors.js';
import type { EmulatorContext } from './context.js';
import type { Role } from './iam-store.js';
import { MANAGED_POLICY_ARNS, policyNameOf } from './iam-policies.js';
import { paginate } from './paging.js';
import { queryReply } from './protocol.js';
import type { QueryParams } from './query.js';
import { loggedParams, readQueryCall } from './query-service.js';
import type { ServiceModule, Tag } from './service.js';
import { isoSeconds, type XmlObject } from './xml.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const MAX_ATTACHED = 10;

const validation = (message: string) => new AwsError('ValidationError', message, 400);
const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message, 404);
const invalidInput = (message: string) => new AwsError('InvalidInput', message, 400);

type Op = (ctx: EmulatorContext, p: QueryParams) => XmlObject | undefined;

function roleNamed(ctx: EmulatorContext, p: QueryParams): Role {
  const name = p.required('RoleName');
  const role = ctx.iam.roles.get(name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

function readTags(p: QueryParams): Tag[] {
  const tags = p.structs('Tags.member').map((t) => ({ Key: t.required('Key'), Value: t.str('Value') ?? '' }));
  for (const t of tags) {
    if (t.Key.length > 128 || t.Value.length > 256) throw invalidInput(`Tag ${t.Key} is too long.`);
    if (t.Key.toLowerCase().startsWith('aws:'))
      throw invalidInput('Tag keys beginning with aws: are reserved.');
  }
  return tags;
}

function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) out.set(t.Key, t.Value);
  if (out.size > 50) throw new AwsError('LimitExceeded', 'A role can have at most 50 tags.', 409);
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}

function checkTrustPolicy(doc: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw new AwsError('MalformedPolicyDocument', 'This policy contains invalid Json', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.', 400);
  }
}

function roleXml(r: Role, withTags: boolean): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.id,
    Arn: r.arn,
    CreateDate: isoSeconds(r.createdAt),
    // IAM really returns the trust policy URL-encoded; clients must decode it.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: withTags && r.tags.length > 0 ? r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
  };
}

const ops: Record<string, Op> = {
  CreateRole(ctx, p) {
    const name = p.required('RoleName');
    if (!ROLE_NAME.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint.`,
      );
    }
    const path = p.str('Path') ?? '/';
    if (!/^\/([\x21-\x7e]+\/)?$/.test(path))
      throw validation(`The specified value for path is invalid: ${path}`);
    const doc = p.required('AssumeRolePolicyDocument');
    checkTrustPolicy(doc);
    const maxSessionDuration = p.int('MaxSessionDuration') ?? 3600;
    if (maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw validation('MaxSessionDuration must be between 3600 and 43200 seconds.');
    }
    const tags = mergeTags([], readTags(p));
    if (ctx.iam.roles.has(name))
      throw new AwsError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
    const description = p.str('Description');
    const role: Role = {
      name,
      path,
      id: `AROA${ctx.random.alnum(17)}`,
      arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
      createdAt: ctx.clock.now(),
      assumeRolePolicyDocument: doc,
      ...(description !== undefined ? { description } : {}),
      maxSessionDuration,
      tags,
      attachedPolicies: [],
    };
    ctx.iam.roles.set(name, role);
    return { Role: roleXml(role, true) };
  },
  GetRole(ctx, p) {
    return { Role: { ...roleXml(roleNamed(ctx, p), true), RoleLastUsed: {} } };
  },
  ListRoles(ctx, p) {
    const prefix = p.str('PathPrefix') ?? '/';
    const all = [...ctx.iam.roles.values()].filter((r) => r.path.startsWith(prefix));
    const page = paginate(
      all,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `roles:${prefix}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      Roles: page.items.map((r) => roleXml(r, false)),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
  DeleteRole(ctx, p) {
    const role = roleNamed(ctx, p);
    if (role.attachedPolicies.length > 0) {
      throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
    }
    ctx.iam.roles.delete(role.name);
    return undefined;
  },
  UpdateAssumeRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const doc = p.required('PolicyDocument');
    checkTrustPolicy(doc);
    role.assumeRolePolicyDocument = doc;
    return undefined;
  },
  AttachRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const arn = p.required('PolicyArn');
    if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
    if (!MANAGED_POLICY_ARNS.has(arn))
      throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    if (!role.attachedPolicies.includes(arn)) {
      if (role.attachedPolicies.length >= MAX_ATTACHED) {
        throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED}`, 409);
      }
      role.attachedPolicies.push(arn);
    }
    return undefined;
  },
  DetachRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const arn = p.required('PolicyArn');
    if (!role.attachedPolicies.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
    role.attachedPolicies = role.attachedPolicies.filter((a) => a !== arn);
    return undefined;
  },
  ListAttachedRolePolicies(ctx, p) {
    const role = roleNamed(ctx, p);
    const page = paginate(
      role.attachedPolicies,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `attached:${role.name}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      AttachedPolicies: page.items.map((arn) => ({ PolicyName: policyNameOf(arn), PolicyArn: arn })),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
  TagRole(ctx, p) {
    const role = roleNamed(ctx, p);
    role.tags = mergeTags(role.tags, readTags(p));
    return undefined;
  },
  UntagRole(ctx, p) {
    const role = roleNamed(ctx, p);
    const keys = new Set(p.list('TagKeys.member'));
    role.tags = role.tags.filter((t) => !keys.has(t.Key));
    return undefined;
  },
  ListRoleTags(ctx, p) {
    const role = roleNamed(ctx, p);
    const page = paginate(
      role.tags,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `tags:${role.name}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      Tags: page.items.map((t) => ({ Key: t.Key, Value: t.Value })),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
};

const KNOWN = new Set(Object.keys(ops));

export function iamService(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'iam',
    protocol: 'query',
    resolve(req) {
      const { action, params } = readQueryCall(
        req,
        (n) => validation(`1 validation error detected: ${n} must not be null`),
        KNOWN,
      );
      return {
        operation: action,
        params: loggedParams(params),
        run: () => queryReply('iam', action, req.requestId, ops[action]!(ctx, params)),
      };
    },
  };
}
