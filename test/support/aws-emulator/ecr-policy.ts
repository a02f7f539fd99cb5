// ECR lifecycle policies: validated the way ECR does (rules with a priority, a selection and an
// expire action) and stored verbatim.

import { type EcrOp, epoch, invalidParameter, repoOrThrow } from './ecr-common.js';
import { AwsError } from './errors.js';

function failure(reason: string): AwsError {
  return invalidParameter(
    `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${reason}'`,
  );
}

export function validateLifecyclePolicy(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw failure('the policy is not valid JSON');
  }
  const rules = (doc as { rules?: unknown })?.rules;
  if (!Array.isArray(rules) || rules.length === 0)
    throw failure('object has missing required properties (["rules"])');
  const priorities = new Set<number>();
  for (const rule of rules as Record<string, unknown>[]) {
    const priority = rule?.rulePriority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) {
      throw failure('rulePriority must be a positive integer');
    }
    if (priorities.has(priority)) throw failure(`rulePriority ${priority} is used more than once`);
    priorities.add(priority);
    const sel = rule.selection as Record<string, unknown> | undefined;
    if (!sel || !['tagged', 'untagged', 'any'].includes(String(sel.tagStatus))) {
      throw failure('selection.tagStatus must be tagged, untagged or any');
    }
    if (
      sel.tagStatus === 'tagged' &&
      !Array.isArray(sel.tagPrefixList) &&
      !Array.isArray(sel.tagPatternList)
    ) {
      throw failure('tagPrefixList or tagPatternList is required when tagStatus is tagged');
    }
    if (!['imageCountMoreThan', 'sinceImagePushed'].includes(String(sel.countType))) {
      throw failure('selection.countType must be imageCountMoreThan or sinceImagePushed');
    }
    if (typeof sel.countNumber !== 'number' || sel.countNumber < 1)
      throw failure('selection.countNumber must be >= 1');
    if (sel.countType === 'sinceImagePushed' && sel.countUnit !== 'days')
      throw failure('countUnit must be days');
    if ((rule.action as { type?: unknown } | undefined)?.type !== 'expire')
      throw failure('action.type must be expire');
  }
}

export const ecrLifecyclePolicyOps: Record<string, EcrOp> = {
  PutLifecyclePolicy(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const text = body.required('lifecyclePolicyText');
    validateLifecyclePolicy(text);
    r.lifecyclePolicy = { text, setAt: ctx.clock.now() };
    return { registryId: ctx.accountId, repositoryName: r.name, lifecyclePolicyText: text };
  },

  GetLifecyclePolicy(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    if (!r.lifecyclePolicy) {
      throw new AwsError(
        'LifecyclePolicyNotFoundException',
        `Lifecycle policy does not exist for the repository with name '${r.name}' in the registry with id '${ctx.accountId}'`,
        400,
      );
    }
    return {
      registryId: ctx.accountId,
      repositoryName: r.name,
      lifecyclePolicyText: r.lifecyclePolicy.text,
      lastEvaluatedAt: epoch(r.lifecyclePolicy.setAt),
    };
  },

  DeleteLifecyclePolicy(ctx, body) {
    const r = repoOrThrow(ctx, body.required('repositoryName'));
    const policy = r.lifecyclePolicy;
    if (!policy) {
      throw new AwsError(
        'LifecyclePolicyNotFoundException',
        `Lifecycle policy does not exist for the repository with name '${r.name}'`,
        400,
      );
    }
    delete r.lifecyclePolicy;
    return {
      registryId: ctx.accountId,
      repositoryName: r.name,
      lifecyclePolicyText: policy.text,
      lastEvaluatedAt: epoch(policy.setAt),
    };
  },
};
