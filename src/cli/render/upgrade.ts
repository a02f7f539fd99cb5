/** Text form of an upgrade result. */
import type { Style } from '../../io/style.js';
import type { UpgradeDocument } from '../../usecases/upgrade/run.js';
import { table } from '../table.js';

const STATE: Record<string, string> = {
  moved: 'moved',
  'would-move': 'would move',
  unchanged: 'already there',
  failed: 'failed',
  skipped: 'skipped',
};

export function renderUpgrade(d: UpgradeDocument, s: Style): string {
  const lines = [''];
  const moved = d.clusters.filter((c) => c.state === 'moved').length;
  if (d.dryRun) lines.push(s.yellow(`Dry run on ${d.fleet.url} ${d.fleet.branch}: nothing was committed.`));
  else if (d.ok)
    lines.push(
      s.green(
        `${moved} of ${d.clusters.length} cluster(s) moved, one commit each, on ${d.fleet.url} ${d.fleet.branch}.`,
      ),
    );
  else lines.push(s.red(`Upgrade stopped: ${d.error?.message ?? 'a step failed'}`));
  lines.push(
    table(
      ['CLUSTER', 'FROM', 'TO', 'STATE', 'COMMIT'],
      d.clusters.map((c) => [
        c.cluster,
        `${c.from.name}@${c.from.version}`,
        `${c.to.name}@${c.to.version}`,
        c.state === 'failed' ? s.red(STATE[c.state]!) : (STATE[c.state] ?? c.state),
        c.revision?.slice(0, 12) ?? '-',
      ]),
    ),
  );
  const folders = [...new Set(d.clusters.map((c) => c.to.folder))];
  lines.push(
    `  shared version: ${folders.join(', ')} (from ${[...new Set(d.clusters.map((c) => c.to.source))].join(', ')})`,
  );
  lines.push('', ...d.nextSteps.map((n) => `  ${n}`));
  return lines.join('\n');
}
