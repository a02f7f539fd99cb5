/** The interactive go-ahead: show what the dry run found, ask once, default no. */
import type { PlanReport } from '../primitives/runner.js';
import type { CommandContext } from './context.js';

export async function confirm(ctx: CommandContext, preview: PlanReport): Promise<boolean> {
  const changing = preview.steps.filter((s) => s.result === 'would-change');
  if (changing.length === 0) return true;
  ctx.out.note(`\n${changing.length} of ${preview.steps.length} steps will make changes:`);
  for (const s of changing) ctx.out.note(`  ~ ${s.title}${s.summary ? ` (${s.summary})` : ''}`);
  const answer = await ctx.prompt('Proceed? [y/N] ');
  return /^y(es)?$/i.test(answer.trim());
}
