import { buildClusterSpec, loadConfigFile, type SpecFlags } from '../../core/config.js';
import type { CommandHandler } from '../context.js';
import { notImplemented, timeoutFlag } from './common.js';

export interface BootstrapOptions {
  profile?: string;
  cluster?: string;
  region?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitPath?: string;
  config?: string;
  kubernetesVersion?: string;
  fluxVersion?: string;
  reconcilerManifests?: string;
  fromGit?: string;
  dryRun?: boolean;
  timeout?: string;
}

export const bootstrap: CommandHandler<BootstrapOptions> = async (ctx, o) => {
  timeoutFlag(o.timeout);
  const flags: SpecFlags = {};
  if (o.cluster !== undefined) flags.cluster = o.cluster;
  if (o.region !== undefined) flags.region = o.region;
  if (o.kubernetesVersion !== undefined) flags.kubernetesVersion = o.kubernetesVersion;
  if (o.profile !== undefined) flags.profile = o.profile;
  if (o.gitUrl !== undefined) flags.gitUrl = o.gitUrl;
  if (o.gitBranch !== undefined) flags.gitBranch = o.gitBranch;
  if (o.gitPath !== undefined) flags.gitPath = o.gitPath;
  if (o.fluxVersion !== undefined) flags.fluxVersion = o.fluxVersion;
  const file = o.config === undefined ? undefined : await loadConfigFile(o.config);
  const envRegion = ctx.env['AWS_REGION'] || ctx.env['AWS_DEFAULT_REGION'];
  buildClusterSpec({ flags, ...(file ? { file } : {}), ...(envRegion ? { envRegion } : {}) });
  return notImplemented('bootstrap');
};
