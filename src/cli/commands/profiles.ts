/** `gitops profiles list` and `gitops profiles show <name>`. */
import type { Style } from '../../io/style.js';
import {
  listProfiles as catalog,
  type Profile,
  showProfile as describeProfile,
} from '../../usecases/profiles.js';
import type { CommandHandler } from '../context.js';
import { table } from '../table.js';

export const listProfiles: CommandHandler<Record<string, never>> = async (ctx) => {
  const profiles = await catalog();
  ctx.out.result(profiles, (s) =>
    table(
      ['NAME', 'VERSION', 'INCLUDES', 'DESCRIPTION'].map((h) => s.bold(h)),
      profiles.map((p) => [p.name, p.version, p.includes.join(',') || '-', p.description]),
    ),
  );
  return 0;
};

export const showProfile: CommandHandler<Record<string, never>> = async (ctx, _o, args) => {
  const { doc, profile } = await describeProfile(args[0] ?? '', ctx.env, ctx.signal);
  ctx.out.result(doc, (s) =>
    [
      renderProfile(profile, doc.chain, s),
      ...(doc.readme ? ['', `${s.dim('README:')} ${doc.readme}`] : []),
    ].join('\n'),
  );
  return 0;
};

function renderProfile(p: Profile, chain: string[], s: Style): string {
  const lines: string[] = [];
  lines.push(`${s.bold(p.name)} ${p.version} - ${p.description}`);
  if (chain.length > 1) lines.push(`${s.dim('includes:')} ${chain.slice(0, -1).join(', ')}`);
  lines.push('', s.bold('Components'));
  lines.push(
    table(
      ['NAME', 'VERSION', 'DESCRIPTION'],
      p.components.map((c) => [c.name, c.version, c.description]),
    ),
  );
  lines.push('', s.bold('Node groups'));
  lines.push(
    table(
      ['NAME', 'INSTANCE TYPES', 'AMI', 'MIN/DESIRED/MAX', 'TAINTS'],
      p.nodeGroups.map((n) => [
        n.name,
        n.instanceTypes.join(','),
        n.amiType,
        `${n.minSize}/${n.desiredSize}/${n.maxSize}`,
        n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',') || '-',
      ]),
    ),
  );
  lines.push('', s.bold('Add-ons'));
  lines.push(
    p.addons
      .map(
        (a) =>
          `  ${a.name}${a.version ? ` ${a.version}` : ' (latest compatible)'}${a.configuration ? ` configuration ${JSON.stringify(a.configuration)}` : ''}`,
      )
      .join('\n') || '  -',
  );
  lines.push('', s.bold('ECR repositories'));
  lines.push(
    p.ecrRepositories
      .map(
        (r) =>
          `  ${r.name}${r.immutableTags ? ' (immutable tags)' : ''}${r.scanOnPush ? ', scan on push' : ''}, keep ${r.keepImages}`,
      )
      .join('\n') || '  -',
  );
  lines.push('', s.bold('Workload identities (EKS Pod Identity)'));
  lines.push(
    p.identities.length === 0
      ? '  -'
      : table(
          ['SERVICE ACCOUNT', 'VIA', 'POLICIES'],
          p.identities.map((i) => [
            i.serviceAccount,
            i.addon ? `add-on ${i.addon}` : 'association',
            [
              ...i.managedPolicies.map((a) => a.slice(a.lastIndexOf('/') + 1)),
              ...i.inlinePolicies.map((f) => `${f} (inline)`),
            ].join(', '),
          ]),
        ),
  );
  lines.push('', s.bold('Secrets generated in the cluster (never in Git)'));
  lines.push(
    p.secrets
      .map(
        (x) =>
          `  ${x.namespace}/${x.name} (${x.keys.join(', ')})${x.description ? ` - ${x.description}` : ''}`,
      )
      .join('\n') || '  -',
  );
  lines.push('', s.bold('S3 buckets created for each cluster'));
  lines.push(
    (p.buckets ?? [])
      .map(
        (b) =>
          `  ${b.name} (gitops-<cluster>-${b.name}-<hash>, \${${b.variable}}; encrypted, private, versioned)${b.description ? ` - ${b.description}` : ''}`,
      )
      .join('\n') || '  -',
  );
  if (p.parameters.length > 0) {
    lines.push('', s.bold('Parameters'));
    lines.push(
      table(
        ['NAME', 'TYPE', 'DEFAULT', 'DESCRIPTION'],
        p.parameters.map((x) => [
          x.name,
          x.type,
          x.default === undefined ? '(required)' : String(x.default),
          x.description,
        ]),
      ),
    );
  }
  return lines.join('\n');
}
