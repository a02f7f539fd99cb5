/**
 * Rendering as a plan step (`fleet:render`). Rendering changes nothing outside the process, so
 * the step does its work in observe() and reports itself in sync: its output (the files) is then
 * available to `fleet:push` in a dry run too, which is how `--dry-run` can say what the push
 * would change.
 */
import type { Step, StepContext } from '../../primitives/plan.js';
import { type RenderedCluster, type RenderRequest, renderCluster } from './render.js';

export interface RenderStepOptions {
  id?: string;
  title?: string;
  dependsOn?: readonly string[];
  /** Builds the request from other steps' outputs (the account id, the resolved profile). */
  request: (ctx: StepContext) => RenderRequest | Promise<RenderRequest>;
}

export function renderStep(options: RenderStepOptions): Step<RenderedCluster> {
  const render = async (ctx: StepContext) => {
    const req = await options.request(ctx);
    const out = renderCluster(req);
    const p = req.profile;
    const summary = `${Object.keys(out.files).length} files for ${p.profile.name}@${p.profile.version} (${p.chain.join(', ')}) in ${out.path}`;
    return { out, summary };
  };
  return {
    id: options.id ?? 'fleet:render',
    title: options.title ?? 'Render the cluster folder from the profile',
    dependsOn: options.dependsOn ?? [],
    async observe(ctx) {
      const { out, summary } = await render(ctx);
      return { inSync: true, summary, output: out };
    },
    async apply(ctx) {
      const { out, summary } = await render(ctx);
      return { result: 'unchanged', summary, output: out };
    },
  };
}
