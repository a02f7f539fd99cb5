/** The text form of a bootstrap result: the step table, then what a developer needs next. */
import type { BootstrapDocument } from '../../usecases/bootstrap/run.js';
import { formatDuration, type Style } from '../../io/style.js';
import { table } from '../table.js';

export function renderBootstrap(d: BootstrapDocument, s: Style): string {
  const lines: string[] = [];
  lines.push('', s.bold(d.dryRun ? 'Plan (dry run)' : 'Steps'));
  lines.push(
    table(
      ['STEP', 'RESULT', 'TIME', 'DETAIL'],
      d.steps.map((st) => [
        st.id,
        colour(st.result, s),
        formatDuration(st.durationMs),
        st.error?.message ?? st.summary ?? '',
      ]),
    ),
  );
  lines.push('');
  if (d.ok && !d.dryRun)
    lines.push(s.green(`Cluster ${d.cluster.name} is ready (${formatDuration(d.durationMs)}).`));
  else if (d.dryRun) lines.push(s.yellow('Dry run: nothing was changed.'));
  else
    lines.push(
      s.red(`Bootstrap of ${d.cluster.name} did not finish: ${d.error?.message ?? 'see the steps above'}`),
    );
  lines.push(`  ${s.dim('profile')}      ${d.profile.name}@${d.profile.version} (${d.profile.source})`);
  lines.push(
    `  ${s.dim('fleet repo')}   ${d.fleet.url} ${d.fleet.branch}:${d.fleet.path}${d.fleet.revision ? ` @ ${d.fleet.revision.slice(0, 12)}` : ''}`,
  );
  lines.push(
    `  ${s.dim('flux')}         ${d.reconciler.notARelease ?? `v${d.reconciler.version}`} (sha256 ${d.reconciler.manifestsSha256.slice(0, 12)}…, ${d.reconciler.verification})`,
  );
  if (d.cluster.endpoint) lines.push(`  ${s.dim('endpoint')}     ${d.cluster.endpoint}`);
  if (d.kubeconfig)
    lines.push(`  ${s.dim('kubeconfig')}   context ${d.kubeconfig.context} in ${d.kubeconfig.path}`);
  for (const r of d.ecrRepositories) lines.push(`  ${s.dim('ecr')}          ${r.uri}`);
  if (d.ci)
    lines.push(
      `  ${s.dim('ci role')}      ${d.ci.role ?? '(not created yet)'}`,
      `               for GitHub Actions of ${d.ci.subjects.join(', ') || d.ci.repositories.join(', ')}`,
    );
  if (d.deployKey)
    lines.push(`  ${s.dim('deploy key')}   ${d.deployKey.publicKey}`, `               ${d.deployKey.note}`);
  if (d.nextSteps.length > 0) {
    lines.push('', s.bold('Next'));
    for (const n of d.nextSteps) lines.push(`  ${n}`);
  }
  return lines.join('\n');
}

function colour(result: string, s: Style): string {
  if (result === 'failed') return s.red(result);
  if (result === 'would-change') return s.yellow(result);
  if (result === 'unchanged' || result === 'skipped') return s.dim(result);
  return s.green(result);
}
