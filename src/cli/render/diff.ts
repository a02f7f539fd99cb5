/** Text form of `gitops diff`: one line per drifted object, the changed fields beneath it. */
import type { DiffDocument } from '../../usecases/diff.js';
import type { Style } from '../../io/style.js';

export function renderDiff(d: DiffDocument, s: Style): string {
  const lines: string[] = [];
  const where = `${d.fleet.url} ${d.fleet.branch}:${d.fleet.path} @ ${d.fleet.revision.slice(0, 12)}`;
  lines.push(
    d.inSync
      ? s.green(`no drift: ${d.compared} objects match ${where}`)
      : s.yellow(`${d.drift.length} objects drifted from ${where}`),
  );
  for (const e of d.drift) {
    const name = `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
    const mark = e.state === 'missing' ? s.green('+') : e.state === 'orphaned' ? s.red('-') : s.yellow('~');
    const why =
      e.state === 'missing'
        ? 'in Git, not in the cluster'
        : e.state === 'orphaned'
          ? 'in the cluster, no longer in Git'
          : 'differs from Git';
    lines.push(`${mark} ${name} ${s.dim(`(${why})`)}`);
    for (const f of e.fields ?? []) lines.push(`    ${f}`);
    if (e.error) lines.push(`    ${s.red(e.error)}`);
  }
  if (d.skipped.length > 0) {
    lines.push(s.dim(`not compared (${d.skipped.length}): API not served by the cluster`));
    for (const k of d.skipped) lines.push(s.dim(`    ${k.ref}: ${k.reason}`));
  }
  return lines.join('\n');
}
