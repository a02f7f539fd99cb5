/**
 * A plan is data: steps with stable ids, titles and dependencies. Each step observes first and
 * converges only when the observation says it is not in sync, so a plan can be re-run after a
 * crash and counts "already done" as success (result `unchanged`).
 *
 * Steps hand each other values (a cluster's endpoint, a role's ARN) through typed references: a
 * `StepRef<T>` names a step and the type of its output, so a dependant reads `ctx.need(CLUSTER)`
 * and gets a `ClusterOutput`, not a string id and a cast.
 */
import { systemError } from './errors.js';
import type { EventSink, InfoCode, StepResult, WarningCode } from './events.js';

/** A step's id, typed with what the step outputs. */
export interface StepRef<TOutput = unknown> {
  readonly id: string;
  /** Never set: carries the output type. */
  readonly output?: TOutput;
}

export function stepRef<TOutput>(id: string): StepRef<TOutput> {
  return { id };
}

export interface Observation<TOutput = unknown> {
  /** True when the live state already matches: apply() is skipped and the result is `unchanged`. */
  inSync: boolean;
  /** One line saying what was found or what would change ("VPC vpc-123 exists", "create 3 subnets"). */
  summary?: string;
  /** What dependants need when the step is in sync (ids, ARNs, endpoints). */
  output?: TOutput;
}

export interface ApplyOutcome<TOutput = unknown> {
  result: Extract<StepResult, 'created' | 'updated' | 'deleted' | 'unchanged'>;
  summary?: string;
  output?: TOutput;
}

/**
 * Thrown by a step that cannot be observed yet because a dependency has not made what it reads
 * (a dry run before the cluster exists has no endpoint to ask). The runner reports such a step as
 * `would-change` in a dry run; anywhere else, and any other error in a dry run, is a failure.
 */
export class DependencyPending extends Error {
  constructor(readonly dependencies: readonly string[]) {
    super(`waiting for ${dependencies.join(', ')}`);
    this.name = 'DependencyPending';
  }
}

export interface StepContext {
  readonly signal: AbortSignal;
  /** Epoch milliseconds after which the step should give up (with a timeout error). */
  readonly deadline: number;
  readonly dryRun: boolean;
  /** Dependencies of this step that a dry run found would change (so they made nothing yet). */
  readonly pending: readonly string[];
  /** Output of a finished step this one depends on, or undefined (dry-run, or it produced none). */
  output<T>(ref: StepRef<T>): T | undefined;
  /**
   * The output this step cannot do without. Missing because the dependency would change first (a
   * dry run): DependencyPending. Missing otherwise: our bug, a system error naming both steps.
   */
  need<T>(ref: StepRef<T>): T;
  progress(message: string, elapsedMs?: number): void;
  info(code: InfoCode, message: string): void;
  warn(code: WarningCode, message: string): void;
  readonly sink: EventSink;
}

export interface Step<TOutput = unknown> {
  readonly id: string;
  readonly title: string;
  readonly dependsOn?: readonly string[];
  observe(ctx: StepContext): Promise<Observation<TOutput>>;
  apply(ctx: StepContext, observation: Observation<TOutput>): Promise<ApplyOutcome<TOutput>>;
}

export interface Plan {
  readonly name: string;
  /** Steps in a valid topological order. */
  readonly steps: readonly Step[];
}

/**
 * Checks ids, dependencies and cycles once, at build time: a bad plan is our bug, not the
 * user's, so it is a system error that names the offending step.
 */
export function buildPlan(name: string, steps: readonly Step[]): Plan {
  const byId = new Map<string, Step>();
  for (const step of steps) {
    if (!/^[a-z0-9][a-z0-9:./_-]*$/i.test(step.id)) {
      throw systemError('GITOPS_INTERNAL', `plan ${name}: invalid step id "${step.id}"`);
    }
    if (byId.has(step.id))
      throw systemError('GITOPS_INTERNAL', `plan ${name}: duplicate step id "${step.id}"`);
    byId.set(step.id, step);
  }
  for (const step of steps) {
    for (const dep of step.dependsOn ?? []) {
      if (!byId.has(dep)) {
        throw systemError(
          'GITOPS_INTERNAL',
          `plan ${name}: step "${step.id}" depends on unknown step "${dep}"`,
        );
      }
    }
  }
  const ordered: Step[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: Step, path: string[]): void => {
    const s = state.get(step.id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(step.id)), step.id].join(' -> ');
      throw systemError('GITOPS_INTERNAL', `plan ${name}: dependency cycle ${cycle}`);
    }
    state.set(step.id, 'visiting');
    for (const dep of step.dependsOn ?? []) visit(byId.get(dep)!, [...path, step.id]);
    state.set(step.id, 'done');
    ordered.push(step);
  };
  for (const step of steps) visit(step, []);
  return { name, steps: ordered };
}
