/** The one-screen text form of `gitops status`. */
import type { StatusDocument } from '../../usecases/status.js';
import type { FleetStatusDocument } from '../../usecases/status-all.js';
import type { Style } from '../../io/style.js';
import { table } from '../table.js';

export function renderStatus(d: StatusDocument, s: Style): string {
  const ok = (b: boolean) => (b ? s.green('✔') : s.red('✖'));
  const lines: string[] = [];
  const headline = d.ready
    ? s.green(
        `${d.cluster.name} is ready and in sync${d.simulated.length > 0 ? ` (as far as the sandbox can tell: ${d.simulated.length} objects stood in for, see below)` : ''}`,
      )
    : d.known
      ? s.yellow(`${d.cluster.name} is not ready`)
      : s.red(`${d.cluster.name}: cannot tell`);
  lines.push(s.bold(headline));
  lines.push('');
  lines.push(
    `${ok(d.cluster.status === 'ACTIVE')} cluster     ${d.cluster.status}${d.cluster.version ? ` (Kubernetes ${d.cluster.version})` : ''} ${s.dim(d.cluster.region)}`,
  );
  if (d.cluster.endpoint) lines.push(`  endpoint    ${s.dim(d.cluster.endpoint)}`);
  const access = d.cluster.endpointAccess;
  if (access) {
    const pub = access.public
      ? access.openToInternet
        ? s.yellow('public, open to the whole internet (0.0.0.0/0)')
        : `public from ${access.publicCidrs.join(', ')}`
      : 'no public endpoint';
    lines.push(`  api access  ${pub}${access.private ? ', private in the VPC' : ''}`);
  }
  if (d.compute.mode === 'auto') {
    const pools = d.compute.nodePools;
    lines.push(
      `${ok(pools.length > 0 && pools.every((p) => p.ready))} compute     EKS Auto Mode${d.compute.nodeRole ? ` ${s.dim(`nodes as ${d.compute.nodeRole.slice(d.compute.nodeRole.lastIndexOf('/') + 1)}`)}` : ''}`,
    );
    if (pools.length > 0)
      lines.push(
        table(
          ['NODE POOL', 'KIND', 'READY'],
          pools.map((p) => [
            p.name,
            p.builtin ? 'built-in' : 'profile',
            p.ready ? p.reason : s.yellow(p.reason),
          ]),
        ),
      );
  }
  if (d.cluster.nodeGroups.length > 0) {
    lines.push(
      table(
        ['NODE GROUP', 'STATUS', 'DESIRED', 'MIN/MAX'],
        d.cluster.nodeGroups.map((n) => [n.name, n.status, String(n.desired), `${n.min}/${n.max}`]),
      ),
    );
  }
  if (d.addons.length > 0) {
    lines.push(
      `${ok(d.addons.every((a) => a.status === 'ACTIVE'))} add-ons     ${d.addons.map((a) => `${a.name} ${a.status === 'ACTIVE' ? s.dim(a.version) : s.yellow(a.status)}`).join(', ')}`,
    );
  }
  if (d.identities.length > 0) {
    const fine = d.identities.every((i) => i.association && i.policiesInSync);
    lines.push(`${ok(fine)} identities  ${d.identities.length} Pod Identity roles`);
    lines.push(
      table(
        ['SERVICE ACCOUNT', 'ROLE', 'ASSOCIATION', 'POLICIES'],
        d.identities.map((i) => [
          i.serviceAccount,
          i.role?.slice(i.role.lastIndexOf('/') + 1) ?? '-',
          i.association ? `present${i.addon ? ` (add-on ${i.addon})` : ''}` : s.yellow('missing'),
          i.policiesInSync ? 'as declared' : s.yellow('drifted'),
        ]),
      ),
    );
  }
  for (const b of d.buckets) {
    const fine = b.encrypted && b.publicAccessBlocked && b.versioned;
    const yes = (v: boolean, what: string) => (v ? what : s.yellow(`not ${what}`));
    lines.push(
      `${ok(fine)} bucket      ${b.name}${b.logical ? s.dim(` (${b.logical})`) : ''}: ${yes(b.encrypted, 'encrypted')}, ${yes(b.publicAccessBlocked, 'public access blocked')}, ${yes(b.versioned, 'versioned')}`,
    );
  }
  if (d.ci) {
    const role = d.ci.role ? d.ci.role.slice(d.ci.role.lastIndexOf('/') + 1) : s.yellow('missing');
    lines.push(
      `${ok(d.ci.inSync && d.ci.provider !== undefined)} ci          role ${role}${d.ci.inSync ? '' : s.yellow(' (drifted)')} may push to ${d.ci.pushTo.join(', ') || '-'}`,
      `  trusts      ${d.ci.subjects.join(', ') || '-'}${d.ci.provider ? '' : s.yellow(' (no GitHub OIDC provider in the account)')}`,
    );
  }
  lines.push(
    `${ok(d.reconciler.ready)} flux        ${d.reconciler.installed ? `${d.reconciler.notARelease ?? d.reconciler.version ?? ''} ${d.reconciler.controllers.filter((c) => c.ready).length}/${d.reconciler.controllers.length} controllers ready` : 'not installed'}`,
  );
  const sy = d.sync;
  lines.push(
    `${ok(sy.inSync)} sync        ${sy.inSync ? 'in sync' : 'out of sync'}${sy.url ? ` ${s.dim(`${sy.url} ${sy.branch ?? ''}:${sy.path ?? ''}`)}` : ''}`,
  );
  if (sy.headRevision || sy.appliedRevision) {
    lines.push(
      `  git head    ${sy.headRevision?.slice(0, 12) ?? '-'}   applied ${sy.appliedRevision?.slice(0, 12) ?? '-'}`,
    );
  }
  if (d.profile) lines.push(`  profile     ${d.profile.name} ${d.profile.version}`);
  for (const l of d.layers) {
    lines.push(
      `${ok(l.ready)} layer       ${l.name.padEnd(12)} ${l.appliedRevision?.slice(0, 12) ?? '-'}${l.ready ? '' : `  ${s.dim(l.reason)}`}`,
    );
  }
  if (d.alerts) {
    lines.push(
      `${ok(d.alerts.ready)} alerts      to ${d.alerts.provider}${d.alerts.ready ? ` ${s.dim(d.alerts.reason)}` : `  ${s.yellow(d.alerts.reason)}`}`,
    );
    const flagger = d.alerts.flagger;
    // Under the provider, in its column: where Flagger's canary alerts go (the notifier, or why none).
    if (flagger)
      lines.push(`${' '.repeat(14)}canaries ${s.dim(`${flagger.sent ? 'via ' : ''}${flagger.note}`)}`);
  }
  if (d.imageAutomation.length > 0) lines.push(...imageAutomationLines(d.imageAutomation, s));
  if (d.ecrRepositories.length > 0) {
    lines.push(
      table(
        ['ECR REPOSITORY', 'IMAGES', 'LATEST TAG', 'DEPLOYED'],
        d.ecrRepositories.map((r) => [r.uri, String(r.images), r.latestTag ?? '-', deployedCell(r, s)]),
      ),
    );
  }
  if (d.simulated.length > 0) {
    lines.push('', s.bold('Stood in for by the sandbox (not really done; a real cluster runs them)'));
    for (const o of d.simulated)
      lines.push(`  ${s.yellow('~')} ${o.kind} ${o.namespace}/${o.name}: ${o.note}`);
  }
  if (d.problems.length > 0) {
    lines.push('', s.bold('Problems'));
    for (const p of d.problems) lines.push(`  ${s.yellow('•')} ${p}`);
  }
  return lines.join('\n');
}

/** Each image automation object with its own Ready condition; the message of a failing one. */
export function imageAutomationLines(objects: StatusDocument['imageAutomation'], s: Style): string[] {
  const working = objects.filter((o) => o.ready || o.suspended).length;
  const mark = working === objects.length ? s.green('✔') : s.red('✖');
  return [
    `${mark} images      ${working}/${objects.length} image automation objects ready`,
    table(
      ['IMAGE AUTOMATION', 'READY', 'STATUS'],
      objects.map((o) => [
        `${o.kind} ${o.namespace}/${o.name}`,
        o.ready ? 'yes' : o.suspended ? 'suspended' : s.yellow('no'),
        o.ready ? (o.latestImage ?? o.reason) : s.yellow(o.reason),
      ]),
    ),
  ];
}

function deployedCell(r: StatusDocument['ecrRepositories'][number], s: Style): string {
  if (r.deployed.length === 0) return '-';
  if (r.deployedTag === undefined) return s.yellow(`${new Set(r.deployed.map((d) => d.tag)).size} tags`);
  return r.deployedTag === r.latestTag ? `${r.deployedTag} (newest)` : r.deployedTag;
}

export function renderStatusList(fleet: FleetStatusDocument, region: string, s: Style): string {
  const docs = fleet.clusters;
  if (docs.length === 0) return `no clusters managed by gitops in ${region}`;
  const list = table(
    ['CLUSTER', 'STATUS', 'VERSION', 'PROFILE', 'FLUX', 'SYNC', 'READY'].map((h) => s.bold(h)),
    docs.map((d) => [
      d.cluster.name,
      d.cluster.status,
      d.cluster.version ?? '-',
      d.profile ? `${d.profile.name}@${d.profile.version}` : '-',
      d.reconciler.installed ? (d.reconciler.ready ? 'ready' : 'not ready') : '-',
      d.sync.inSync ? 'in sync' : 'out of sync',
      d.ready
        ? s.green(d.simulated.length > 0 ? 'yes (sandbox)' : 'yes')
        : d.known
          ? s.yellow('no')
          : s.red('unknown'),
    ]),
  );
  // The fleet's versions side by side: which clusters are on each, so a rollout's progress shows.
  const versions = fleet.versions.map(
    (v) => `  ${v.profile}@${v.version}: ${v.clusters.length} (${v.clusters.join(', ')})`,
  );
  return versions.length === 0 ? list : [list, '', 'Profile versions:', ...versions].join('\n');
}
