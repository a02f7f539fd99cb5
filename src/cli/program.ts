/**
 * The command tree (commander wiring only). Handlers live in ./commands and are imported when a
 * command runs, so `gitops --help` and `--version` load neither the AWS nor the Kubernetes SDK.
 */
import { Command, Option } from 'commander';
import type { CommandHandler, GlobalFlags } from './context.js';
import type { ProcessIO } from './process-io.js';
import { runCommand } from './run-command.js';

export interface ProgramResult {
  exitCode: number;
}

type Loader = () => Promise<CommandHandler<Record<string, unknown>>>;

export function buildProgram(version: string, io: ProcessIO, result: ProgramResult): Command {
  const program = new Command('gitops');
  program
    .description(
      'Bootstrap an Amazon EKS cluster whose whole desired state lives in Git, reconciled by Flux.',
    )
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--verbose', 'show more detail, and stack traces on errors')
    .option('--no-color', 'do not colour the output (NO_COLOR is honoured too)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('-q, --quiet', 'print only the result (and errors)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Parse errors are printed by main() in our own format (and as JSON with -o json).
      outputError: () => {},
    });

  const action = (load: Loader) =>
    async function (this: Command): Promise<void> {
      const globals = readGlobals(this.optsWithGlobals());
      result.exitCode = await runCommand(io, globals, load, this.opts(), this.args);
    };

  const regionOption = () =>
    new Option('--region <region>', 'AWS region (default: $AWS_REGION or $AWS_DEFAULT_REGION)');

  program
    .command('bootstrap')
    .description('create or converge a cluster, its fleet repo folder and its reconciler')
    .option('--profile <ref>', 'profile: a bundled name (ml, mobile), a folder, or <git-url>[//subdir][#ref]')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--git-url <url>', 'fleet repository URL (https or ssh; the cluster reads it too)')
    .option('--git-branch <branch>', 'fleet repository branch (default: main)')
    .option('--git-path <path>', 'folder in the fleet repository (default: clusters/<cluster>)')
    .option('--config <file>', 'cluster spec file (gitops.yaml); flags override it')
    .option(
      '--kubernetes-version <version>',
      'Kubernetes minor version, for example 1.34 (default: the version EKS offers by default)',
    )
    .option(
      '--compute <mode>',
      'how the cluster gets its nodes: nodegroups (managed node groups, the default) or auto (EKS Auto Mode)',
    )
    .option('--flux-version <version>', 'Flux version to install, for example 2.9.6')
    .option(
      '--ci-github-repo <owner/repo>',
      "a GitHub repository whose Actions may push to the cluster's ECR repositories (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--image-automation',
      'Flux commits the newest main-<seconds>-<sha7> image CI pushed (write credential: GITOPS_IMAGE_AUTOMATION_TOKEN or GITOPS_IMAGE_AUTOMATION_SSH_KEY_FILE)',
    )
    .option('--reconciler-manifests <file|url>', "Flux install manifests to use instead of the release's")
    .option(
      '--alerts <provider>',
      'send failure and drift alerts to a Flux provider (slack, msteams, discord, googlechat, rocket, generic, generic-hmac, alertmanager) at $GITOPS_ALERTS_ADDRESS',
    )
    .option(
      '--from-git <fleet-url>',
      'rebuild the cluster from clusters/<cluster>/cluster.yaml in this fleet repository',
    )
    .option(
      '--allow-insecure-http',
      'accept a plain http:// fleet URL (a server you trust, such as the local sandbox)',
    )
    .option('--dry-run', 'observe only: print what would change, change nothing')
    .option('--timeout <duration>', 'give up after this long (for example 40m, 1h30m)', '40m')
    .action(action(() => import('./commands/bootstrap.js').then((m) => m.bootstrap as never)));

  program
    .command('status')
    .description('is the cluster up, in sync with Git and healthy? (exit 0 yes, 3 no, 1 cannot tell)')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--all', 'every cluster gitops manages in the region')
    .option('--kubeconfig <path>', 'use this kubeconfig instead of an EKS token')
    .option('--timeout <duration>', 'give up after this long', '2m')
    .action(action(() => import('./commands/status.js').then((m) => m.status as never)));

  program
    .command('diff')
    .description('show drift between the fleet repository and the cluster (exit 0 none, 3 some)')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--kubeconfig <path>', 'use this kubeconfig instead of an EKS token')
    .option('--timeout <duration>', 'give up after this long', '5m')
    .action(action(() => import('./commands/diff.js').then((m) => m.diff as never)));

  program
    .command('destroy')
    .description('tear the cluster down in reverse order and remove its folder from the fleet repository')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--keep-git', 'leave clusters/<cluster>/ in the fleet repository')
    .option('--keep-data', "keep the cluster's S3 buckets and their data (a later bootstrap uses them again)")
    .option('--force', 'also delete ECR repositories that still hold images')
    .option(
      '--git-url <url>',
      'fleet repository, when the cluster can no longer say (default: read from the cluster)',
    )
    .option('--git-branch <branch>', 'fleet repository branch (default: read from the cluster, else main)')
    .option('--git-path <path>', 'folder to remove (default: read from the cluster, else clusters/<cluster>)')
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option('--timeout <duration>', 'give up after this long', '40m')
    .action(action(() => import('./commands/destroy.js').then((m) => m.destroy as never)));

  program
    .command('migrate')
    .description(
      'convert a cluster folder of the fleet layout before layers, carrying its edits into the layer overlays',
    )
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--git-url <url>', 'fleet repository (default: read from the cluster)')
    .option('--git-branch <branch>', 'fleet repository branch (default: read from the cluster, else main)')
    .option(
      '--git-path <path>',
      'the cluster folder (default: read from the cluster, else clusters/<cluster>)',
    )
    .option('--kubeconfig <path>', 'use this kubeconfig instead of an EKS token')
    .option('--dry-run', 'show what would be carried over, change nothing')
    .option('--timeout <duration>', 'give up after this long', '20m')
    .action(action(() => import('./commands/migrate.js').then((m) => m.migrate as never)));

  program
    .command('upgrade')
    .description(
      'move clusters to another version of their profile through the fleet repository, one commit each (no AWS call)',
    )
    .option(
      '--cluster <name|pattern>',
      'cluster name, or a pattern with * and ? over clusters/ in the fleet repository',
    )
    .option(
      '--profile <name@version|ref>',
      'the version to move to: ml@1.2.0, a folder or a git URL (<url>//subdir#ref)',
    )
    .option('--git-url <url>', 'fleet repository')
    .option('--git-branch <branch>', 'fleet repository branch', 'main')
    .option('--dry-run', 'show which clusters would move, commit nothing')
    .option('--timeout <duration>', 'give up after this long', '10m')
    .action(action(() => import('./commands/upgrade.js').then((m) => m.upgrade as never)));

  program
    .command('kubeconfig')
    .description('add the cluster to a kubeconfig, with a user that runs `gitops token`')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--kubeconfig <path>', 'file to merge into (default: $KUBECONFIG or ~/.kube/config)')
    .option('--alias <context>', 'context name (default: the cluster name)')
    .action(action(() => import('./commands/kubeconfig.js').then((m) => m.kubeconfig as never)));

  program
    .command('token')
    .description('print an EKS authentication token as a client.authentication.k8s.io ExecCredential')
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .action(action(() => import('./commands/token.js').then((m) => m.token as never)));

  const ci = program.command('ci').description("what a repository's CI needs to push images to the cluster");
  ci.command('workflow')
    .description(
      'print a GitHub Actions workflow (or a shell script) that builds and pushes an image with the CI role',
    )
    .option('--cluster <name>', 'EKS cluster name')
    .addOption(regionOption())
    .option('--repository <name>', "the cluster's ECR repository to push to (needed when it has several)")
    .addOption(
      new Option('--format <format>', 'github: a workflow file; script: sh for any CI')
        .choices(['github', 'script'])
        .default('github'),
    )
    .action(action(() => import('./commands/ci.js').then((m) => m.workflow as never)));

  const profiles = program.command('profiles').description('the bundled profile catalog');
  profiles
    .command('list')
    .description('list the bundled profiles')
    .action(action(() => import('./commands/profiles.js').then((m) => m.listProfiles as never)));
  profiles
    .command('show')
    .description('show what a profile runs and what it needs from AWS')
    .argument('<name>', 'profile name, folder or git URL')
    .action(action(() => import('./commands/profiles.js').then((m) => m.showProfile as never)));

  return program;
}

function readGlobals(o: Record<string, unknown>): GlobalFlags {
  return {
    output: o['output'] === 'json' ? 'json' : 'text',
    verbose: o['verbose'] === true,
    color: o['color'] !== false,
    yes: o['yes'] === true,
    quiet: o['quiet'] === true,
  };
}
