/** `gitops bootstrap`: flags -> cluster spec -> the bootstrap use case -> reporter -> exit code. */
import { EXIT, userError } from '../../primitives/errors.js';
import { ALERTS_ADDRESS_ENV, ALERTS_TOKEN_ENV } from '../../spec/alerts.js';
import { checkSpecFlags, loadConfigFile, type SpecFlags } from '../../spec/from-flags.js';
import { bootstrapSpec, runBootstrap } from '../../usecases/bootstrap/run.js';
import type { SpecRequest } from '../../usecases/bootstrap/inputs.js';
import { clientsFor, localClients, pollInterval } from '../../usecases/clients.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { confirm } from '../confirm.js';
import { renderBootstrap } from '../render/bootstrap.js';
import { timeoutFlag } from './common.js';

export interface BootstrapOptions {
  profile?: string;
  cluster?: string;
  region?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitPath?: string;
  config?: string;
  kubernetesVersion?: string;
  compute?: string;
  fluxVersion?: string;
  ciGithubRepo?: string[];
  imageAutomation?: boolean;
  reconcilerManifests?: string;
  fromGit?: string;
  allowInsecureHttp?: boolean;
  dryRun?: boolean;
  timeout?: string;
  alerts?: string;
}

export const bootstrap: CommandHandler<BootstrapOptions> = async (ctx, o) => {
  const timeoutMs = timeoutFlag(o.timeout);
  const request = await specRequest(ctx, o);
  const dryRun = o.dryRun === true;
  const local = {
    allowInsecureHttp: o.allowInsecureHttp === true || truthy(ctx.env['GITOPS_ALLOW_INSECURE_HTTP']),
    reconcilerManifests: o.reconcilerManifests,
    // Read here only, passed down; both are secrets (redacted from every byte written).
    alertSecrets: { address: ctx.env[ALERTS_ADDRESS_ENV], token: ctx.env[ALERTS_TOKEN_ENV] },
    sink: ctx.sink,
    signal: ctx.signal,
  };
  const reconciler = localClients(ctx.env);
  // Bad flags, files and fleet URLs are reported before anything else (and before the --yes
  // check); only --from-git needs the network to read its spec, so it is read after the go-ahead.
  checkSpecFlags(request.flags);
  const early = request.fromGit === undefined ? await bootstrapSpec(request, reconciler, local) : undefined;
  if (!dryRun && !ctx.globals.yes && !ctx.out.isInteractive) {
    throw userError(
      'GITOPS_BAD_INPUT',
      'bootstrap changes AWS and the fleet repo; a non-interactive run needs --yes',
      {
        hint: 'add --yes (or --dry-run to see the plan)',
      },
    );
  }
  const {
    requested,
    sourceUrl,
    alerts,
    local: readLocally,
  } = early ?? (await bootstrapSpec(request, reconciler, local));
  const clients = clientsFor(requested.region, ctx.env, {
    signal: ctx.signal,
    reconciler: requested.reconciler.kind,
  });
  const result = await runBootstrap({
    requested,
    sourceUrl,
    ...(alerts ? { alerts } : {}),
    specSource:
      request.config?.source ?? (request.fromGit ? 'cluster.yaml of the fleet repository' : 'flags'),
    clients,
    sink: ctx.sink,
    signal: ctx.signal,
    deadline: Date.now() + timeoutMs,
    dryRun,
    reconcilerManifests: o.reconcilerManifests,
    local: readLocally,
    releaseBaseUrl: ctx.env['GITOPS_FLUX_RELEASE_BASE_URL'] || undefined,
    pollMs: pollInterval(ctx.env),
    ...concurrencyFrom(ctx.env),
    ...(dryRun || ctx.globals.yes ? {} : { confirm: (preview) => confirm(ctx, preview) }),
  });
  ctx.out.result(result.document, (s) => renderBootstrap(result.document, s));
  if (result.cancelled) {
    ctx.out.note('cancelled: nothing was changed');
    return EXIT.failed;
  }
  return result.ok ? EXIT.ok : (result.error?.exitCode ?? EXIT.failed);
};

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

async function specRequest(ctx: CommandContext, o: BootstrapOptions): Promise<SpecRequest> {
  const flags: SpecFlags = {};
  if (o.cluster !== undefined) flags.cluster = o.cluster;
  if (o.region !== undefined) flags.region = o.region;
  if (o.kubernetesVersion !== undefined) flags.kubernetesVersion = o.kubernetesVersion;
  if (o.profile !== undefined) flags.profile = o.profile;
  if (o.gitUrl !== undefined) flags.gitUrl = o.gitUrl;
  if (o.gitBranch !== undefined) flags.gitBranch = o.gitBranch;
  if (o.gitPath !== undefined) flags.gitPath = o.gitPath;
  if (o.compute !== undefined) flags.compute = o.compute;
  if (o.alerts !== undefined) flags.alerts = o.alerts;
  if (o.ciGithubRepo !== undefined) flags.ciGithubRepos = o.ciGithubRepo;
  if (o.imageAutomation === true) flags.imageAutomation = true;
  const flux = o.fluxVersion ?? ctx.env['GITOPS_FLUX_VERSION'];
  if (flux !== undefined && flux !== '') flags.fluxVersion = flux;
  if (o.fromGit !== undefined && o.gitUrl !== undefined) {
    throw userError('GITOPS_BAD_INPUT', '--from-git and --git-url both name the fleet repository; give one');
  }
  const envRegion = ctx.env['AWS_REGION'] || ctx.env['AWS_DEFAULT_REGION'];
  const request: SpecRequest = { flags, ...(envRegion ? { envRegion } : {}) };
  if (o.config !== undefined) request.config = await loadConfigFile(o.config);
  if (o.fromGit !== undefined) {
    request.fromGit = {
      url: o.fromGit,
      ...(o.gitBranch ? { branch: o.gitBranch } : {}),
      ...(o.gitPath ? { path: o.gitPath } : {}),
    };
  }
  return request;
}

/** GITOPS_CONCURRENCY caps how many steps run at once (default 16; 1 runs the plan strictly in order). */
function concurrencyFrom(env: NodeJS.ProcessEnv): { concurrency?: number } {
  const raw = env['GITOPS_CONCURRENCY'];
  if (raw === undefined || raw === '') return {};
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw userError('GITOPS_BAD_INPUT', `GITOPS_CONCURRENCY "${raw}": expected a whole number from 1 to 64`);
  }
  return { concurrency: n };
}
