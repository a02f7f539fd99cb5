/** Text form of a migrate result. */
import type { Style } from '../../io/style.js';
import type { MigrateDocument } from '../../usecases/migrate/run.js';
import { table } from '../table.js';

export function renderMigrate(d: MigrateDocument, s: Style): string {
  const lines = [''];
  const where = `${d.fleet.path} (${d.fleet.url} ${d.fleet.branch})`;
  if (d.state === 'already') lines.push(s.green(`${where} is in the layered layout.`));
  else if (d.state === 'would-convert')
    lines.push(s.yellow(`Dry run: ${where} would be converted; nothing was changed.`));
  else
    lines.push(
      s.green(`${where} converted${d.fleet.revision ? ` in ${d.fleet.revision.slice(0, 12)}` : ''}.`),
    );
  if (d.profile)
    lines.push(
      `  profile: ${d.profile.name} ${d.profile.version}, shared under profiles/${d.profile.name}/${d.profile.version}/`,
    );
  if (d.edits.length > 0) {
    lines.push('', 'Edits of the earlier layout, carried into the layer overlays:');
    lines.push(
      table(
        ['OBJECT', 'EDIT', 'LAYER', 'NOW IN'],
        d.edits.map((e) => [e.object, e.change, e.layer, e.file]),
      ),
    );
  } else if (d.state !== 'already') lines.push('  no edits of the earlier layout were found');
  if (d.handover.protected > 0 || d.handover.released > 0) {
    lines.push(`  kept from pruning while moving: ${d.handover.protected}, released: ${d.handover.released}`);
  }
  if (d.handover.pending)
    lines.push(
      s.yellow('  objects are still kept from pruning: run gitops migrate again once the layers are ready'),
    );
  lines.push('', ...d.nextSteps.map((n) => `  ${n}`));
  return lines.join('\n');
}
