/**
 * A plan step that converges a set of objects: observe() compares them with the cluster by a
 * server-side dry-run apply (so `--dry-run` tells the truth and a re-run reports `unchanged`),
 * apply() runs the apply engine. The cluster client is usually known only once earlier steps
 * ran (the EKS endpoint), hence a function of the step context.
 */
import { DependencyPending, type Observation, type Step, type StepContext } from '../../primitives/plan.js';
import { type ApplyOptions, type ApplyReport, applyObjects } from './apply.js';
import type { KubeClient } from './client.js';
import { diffObjects } from './diff.js';
import { isKindNotServed } from './discovery.js';
import { describeRef, type KubeObject } from './object.js';

export type ClientSource = KubeClient | ((ctx: StepContext) => KubeClient | Promise<KubeClient>);

export interface ApplySetOutput {
  objects: number;
  created: number;
  configured: number;
  unchanged: number;
}

export interface ApplySetStepOptions {
  id: string;
  title: string;
  dependsOn?: readonly string[];
  client: ClientSource;
  objects: (ctx: StepContext, client: KubeClient) => readonly KubeObject[] | Promise<readonly KubeObject[]>;
  apply?: Omit<ApplyOptions, 'sink' | 'stepId' | 'signal'>;
}

export async function clientFor(source: ClientSource, ctx: StepContext): Promise<KubeClient> {
  return typeof source === 'function' ? await source(ctx) : source;
}

export function applySetStep(options: ApplySetStepOptions): Step<ApplySetOutput> {
  // observe() and apply() of one execution share a context: compute the set once per execution.
  const prepared = new WeakMap<
    StepContext,
    Promise<{ client: KubeClient; objects: readonly KubeObject[] }>
  >();
  const prepare = (ctx: StepContext) => {
    let p = prepared.get(ctx);
    if (!p) {
      p = (async () => {
        const client = await clientFor(options.client, ctx);
        return { client, objects: await options.objects(ctx, client) };
      })();
      prepared.set(ctx, p);
    }
    return p;
  };
  return {
    id: options.id,
    title: options.title,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    async observe(ctx): Promise<Observation<ApplySetOutput>> {
      const { client, objects } = await prepare(ctx);
      const drifts = await diffObjects(client, objects, { signal: ctx.signal }).catch((e: unknown) => {
        // In a dry run, kinds whose definitions a pending dependency would install are not
        // served yet: the set would be created after it. Anything else is a real failure.
        if (ctx.dryRun && ctx.pending.length > 0 && isKindNotServed(e))
          throw new DependencyPending(ctx.pending);
        throw e;
      });
      const missing = drifts.filter((d) => d.state === 'missing');
      const differing = drifts.filter((d) => d.state === 'differs');
      if (missing.length === 0 && differing.length === 0) {
        return {
          inSync: true,
          summary: `${objects.length} objects in sync`,
          output: { objects: objects.length, created: 0, configured: 0, unchanged: objects.length },
        };
      }
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`create ${missing.length}`);
      if (differing.length > 0) {
        const first = differing[0]!;
        const what = first.fields?.slice(0, 3).join(', ') ?? first.error ?? '';
        parts.push(`update ${differing.length} (${describeRef(first.ref)}${what ? `: ${what}` : ''})`);
      }
      return { inSync: false, summary: `${parts.join(', ')} of ${objects.length} objects` };
    },
    async apply(ctx) {
      const { client, objects } = await prepare(ctx);
      const report = await applyObjects(client, objects, {
        ...options.apply,
        sink: ctx.sink,
        stepId: options.id,
        signal: ctx.signal,
        // CRDs are Established within seconds; a plan deadline of 40 minutes is no reason to wait that long.
        deadline: Math.min(ctx.deadline, Date.now() + 120_000),
      });
      return {
        result: stepResult(report),
        summary: summarize(report),
        output: {
          objects: report.objects.length,
          created: report.created,
          configured: report.configured,
          unchanged: report.unchanged,
        },
      };
    },
  };
}

function stepResult(report: ApplyReport): 'created' | 'updated' | 'unchanged' {
  if (report.created === report.objects.length && report.created > 0) return 'created';
  return report.created + report.configured > 0 ? 'updated' : 'unchanged';
}

export function summarize(report: ApplyReport): string {
  const parts = [
    report.created ? `${report.created} created` : '',
    report.configured ? `${report.configured} configured` : '',
    report.unchanged ? `${report.unchanged} unchanged` : '',
  ].filter((p) => p !== '');
  return `${report.objects.length} objects: ${parts.join(', ') || 'none'}`;
}
