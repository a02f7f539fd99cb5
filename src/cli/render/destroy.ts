/** Text form of a destroy result. */
import type { DestroyDocument } from '../../usecases/destroy.js';
import { formatDuration, type Style } from '../../io/style.js';
import { table } from '../table.js';

export function renderDestroy(d: DestroyDocument, s: Style): string {
  const lines = [
    '',
    table(
      ['STEP', 'RESULT', 'TIME', 'DETAIL'],
      d.steps.map((st) => [
        st.id,
        st.result,
        formatDuration(st.durationMs),
        st.error?.message ?? st.summary ?? '',
      ]),
    ),
    '',
  ];
  if (d.dryRun) lines.push(s.yellow('Dry run: nothing was deleted.'));
  else if (d.ok && d.keptBuckets.length > 0)
    lines.push(
      s.green(`Cluster ${d.cluster.name} and everything gitops created for it are gone, but its data:`),
      `  kept S3 buckets (--keep-data): ${d.keptBuckets.join(', ')}; a bootstrap of ${d.cluster.name} uses them again`,
    );
  else if (d.ok)
    lines.push(s.green(`Cluster ${d.cluster.name} and everything gitops created for it are gone.`));
  else
    lines.push(
      s.red(`Destroy of ${d.cluster.name} did not finish: ${d.error?.message ?? ''}`),
      'Run the same command again to continue.',
    );
  if (d.fleet)
    lines.push(
      `  fleet repo: ${d.fleet.removed ? `removed ${d.fleet.path} in ${d.fleet.revision?.slice(0, 12)}` : `${d.fleet.path} not changed`}`,
    );
  for (const w of d.warnings) lines.push(s.yellow(`warning: ${w}`));
  return lines.join('\n');
}
