/**
 * The fleet repository as plan steps. `fleet:push` observes by diffing the branch tip against
 * the files (so a re-run or a dry run pushes nothing) and applies by publishing. The files are
 * produced lazily from the step context, because they depend on other steps' outputs (the
 * account id for rendering, the reconciler's flux-system manifests).
 */
import { emit } from '../../primitives/events.js';
import type { Step, StepContext } from '../../primitives/plan.js';
import { describeChanges, diffFleet } from './diff.js';
import type { FleetChange, FleetEdit } from './edit.js';
import type { GitAuth } from './exec.js';
import { publishFleet } from './fleet.js';

export interface FleetWrite {
  url: string;
  branch: string;
  path: string;
  files?: Readonly<Record<string, string>>;
  /** The change, against the tip (see edit.ts); `path` + `files` when absent. */
  change?: FleetChange;
  message: string;
  auth?: GitAuth;
  env: NodeJS.ProcessEnv;
}

export interface FleetPushOutput {
  /** Branch tip holding the cluster folder as rendered. */
  revision: string | undefined;
  committed: boolean;
}

export interface FleetPushStepOptions {
  id?: string;
  title?: string;
  dependsOn?: readonly string[];
  write: (ctx: StepContext) => FleetWrite | Promise<FleetWrite>;
}

export function fleetPushStep(options: FleetPushStepOptions): Step<FleetPushOutput> {
  const id = options.id ?? 'fleet:push';
  // The files are computed once per run: observe and apply must talk about the same content.
  let pending: Promise<FleetWrite> | undefined;
  const write = (ctx: StepContext) => {
    pending ??= Promise.resolve(options.write(ctx));
    return pending;
  };
  return {
    id,
    title: options.title ?? 'Push the cluster folder to the fleet repository',
    dependsOn: options.dependsOn ?? [],
    async observe(ctx) {
      const w = await write(ctx);
      const diff = await diffFleet({ ...w, signal: ctx.signal });
      // apply() reports the warnings of the change it makes; when it will not run, say them here.
      if (diff.changes.length === 0 || ctx.dryRun) warn(ctx, id, diff.edit);
      if (diff.changes.length === 0) {
        return {
          inSync: true,
          summary: `${w.path} up to date at ${diff.head?.slice(0, 12) ?? 'an empty branch'}`,
          output: { revision: diff.head, committed: false },
        };
      }
      return { inSync: false, summary: `${w.path}: ${describeChanges(diff.changes)}` };
    },
    async apply(ctx) {
      const w = await write(ctx);
      const result = await publishFleet({ ...w, signal: ctx.signal, sink: ctx.sink, stepId: id });
      warn(ctx, id, result.edit);
      const output = { revision: result.revision, committed: result.committed };
      if (!result.committed) return { result: 'unchanged', summary: `${w.path} already up to date`, output };
      return {
        result: 'updated',
        summary: `committed ${result.revision?.slice(0, 12)} to ${w.branch}${result.attempts > 1 ? ` after ${result.attempts} attempts` : ''}`,
        output,
      };
    },
  };
}

/** The warnings of the change that was made, once, as the step's own. */
function warn(ctx: StepContext, stepId: string, edit: FleetEdit): void {
  for (const w of edit.warnings ?? [])
    emit(ctx.sink, { type: 'warning', code: w.code, message: w.message, stepId });
}
